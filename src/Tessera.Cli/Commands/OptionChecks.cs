using System.CommandLine;
using System.Globalization;
using Tessera.Diagnostics;

namespace Tessera.Cli.Commands;

/// <summary>Range checks on numeric and enum flags, run by the parser so a bad value exits 2 before any work starts.</summary>
internal static class OptionChecks
{
    /// <summary>Refuses a value below <paramref name="minimum"/> (counts, sizes, pools: at least 1).</summary>
    public static Option<T> AtLeast<T>(this Option<T> option, long minimum)
    {
        option.Validators.Add(result =>
        {
            if (Parsed<T>(result) is { } value && Convert.ToDouble(value, CultureInfo.InvariantCulture) < minimum)
                result.AddError($"{option.Name} is {value}; expected a whole number ≥ {minimum}");
        });
        return option;
    }

    /// <summary>Refuses negative, NaN and infinite values, and zero unless <paramref name="zero"/> (bandwidths, latencies).</summary>
    public static Option<double?> Finite(this Option<double?> option, bool zero = false)
    {
        option.Validators.Add(result =>
        {
            if (Parsed<double?>(result) is { } value && !((value > 0 || (zero && value == 0)) && double.IsFinite(value)))
                result.AddError($"{option.Name} is {value.ToString(CultureInfo.InvariantCulture)}; expected a {(zero ? "finite number ≥ 0" : "positive finite number")}");
        });
        return option;
    }

    /// <summary>The value, or default when the text did not parse (the parser reports that error itself).</summary>
    private static T? Parsed<T>(System.CommandLine.Parsing.OptionResult result)
    {
        try { return result.GetValueOrDefault<T>(); }
        catch (InvalidOperationException) { return default; }
    }

    /// <summary>
    /// The --minibatch-size option of run and experiment: whole samples per pipelined mini-batch (≥ 1), or <c>batch</c> for
    /// one mini-batch per model (<see cref="Experiments.ExperimentOptions.WholeBatch"/>); a command clamps it to each batch.
    /// </summary>
    public static Option<int?> MiniBatchSize(string description) => new("--minibatch-size")
    {
        Description = $"{description}: whole samples per pipelined mini-batch, at most a model's batch, or 'batch' for one mini-batch per model (SCAR's b′)",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : "";
            if (text.Equals("batch", StringComparison.OrdinalIgnoreCase)) return Experiments.ExperimentOptions.WholeBatch;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return n;
            result.AddError($"--minibatch-size is '{text}'; expected a whole number ≥ 1 of samples or batch (one mini-batch per model)");
            return null;
        },
    };

    /// <summary>
    /// The --jobs option of sweep and experiment: work items run at once in this process, 1 to
    /// <see cref="MaxJobsPerCore"/> per core (more threads than that only contend), the machine's cores by default.
    /// </summary>
    public static Option<int> Jobs(string description)
    {
        var option = new Option<int>("--jobs", "-j")
        {
            Description = $"{description} (default: the machine's cores); the results are the same at any number",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        }.AtLeast(1);
        option.Validators.Add(result =>
        {
            if (Parsed<int>(result) is var jobs && jobs > MaxJobsPerCore * Environment.ProcessorCount)
                result.AddError($"--jobs is {jobs}; expected at most {MaxJobsPerCore * Environment.ProcessorCount} ({MaxJobsPerCore} per core)");
        });
        return option;
    }

    private const int MaxJobsPerCore = 16;

    /// <summary>An enum flag read by name only: "--phase 7" is refused, not cast to a member.</summary>
    public static Option<T> ByName<T>(this Option<T> option) where T : struct, Enum
    {
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value.Trim() : "";
            var name = Enum.GetNames<T>().FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (name is not null) return Enum.Parse<T>(name);
            var names = Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
            result.AddError($"{option.Name} is '{text}'{Suggestions.DidYouMean(text, names)}; expected {string.Join(" or ", names)}");
            return default;
        };
        return option;
    }
}
