using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;

namespace Tessera.Search;

/// <summary>One option's value(s) as given, and where ("--population", "run.yaml:7:3") for error messages.</summary>
public sealed record SettingValue(ImmutableArray<string> Values, string Origin);

/// <summary>
/// The values given for a scheduler's options, by option name. Read with the typed accessors, which fall back to the
/// option's default and name the origin of a bad value.
/// </summary>
public sealed class SchedulerSettings(ImmutableDictionary<string, SettingValue> values)
{
    public static SchedulerSettings Empty { get; } = new(ImmutableDictionary<string, SettingValue>.Empty);

    public ImmutableDictionary<string, SettingValue> Values { get; } = values;

    /// <summary>Refuses options the scheduler does not declare, naming where they were given and what it takes.</summary>
    public void Check(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var known = scheduler.Options.Select(o => o.Name).ToList();
        foreach (var (name, value) in Values.OrderBy(v => v.Key, StringComparer.Ordinal))
            if (!known.Contains(name))
                throw TesseraInputException.At(value.Origin, $"option '{name}' does not apply to scheduler {scheduler.Name}" +
                    $"{Suggestions.DidYouMean(name, known)}; " +
                    (known.Count == 0 ? "it takes no options" : $"it takes {string.Join(", ", known)}"));
    }

    private string? Single(string name)
    {
        if (!Values.TryGetValue(name, out var v)) return null;
        return v.Values.Length == 1 ? v.Values[0]
            : throw TesseraInputException.At(v.Origin, $"{name} is given {v.Values.Length} times; expected one value");
    }

    private TesseraInputException Bad(string name, string text, string expected) =>
        TesseraInputException.At(Values[name].Origin, $"{name} is '{text}'; expected {expected}");

    /// <summary>An integer of at least <paramref name="minimum"/>.</summary>
    public int Count(string name, int fallback, int minimum = 1)
    {
        if (Single(name) is not { } text) return fallback;
        return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= minimum ? v
            : throw Bad(name, text, minimum == 0 ? "0 or a positive integer" : $"an integer of at least {minimum}");
    }

    /// <summary>An optional integer of at least <paramref name="minimum"/>.</summary>
    public int? OptionalCount(string name, int minimum = 1) => Values.ContainsKey(name) ? Count(name, 0, minimum) : null;

    /// <summary>A positive finite number.</summary>
    public double Positive(string name, double fallback)
    {
        if (Single(name) is not { } text) return fallback;
        return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v
            : throw Bad(name, text, "a positive number");
    }

    /// <summary>One of the given words.</summary>
    public string Choice(string name, string fallback, params string[] choices)
    {
        if (Single(name) is not { } text) return fallback;
        var word = text.Trim().ToLowerInvariant();
        return choices.Contains(word) ? word : throw Bad(name, text, $"one of {string.Join(", ", choices)}{Suggestions.DidYouMean(word, choices)}");
    }

    /// <summary>Every value of a repeatable option.</summary>
    public ImmutableArray<string> List(string name) => Values.TryGetValue(name, out var v) ? v.Values : [];

    /// <summary>Where an option was given (for messages about its value).</summary>
    public string? Origin(string name) => Values.TryGetValue(name, out var v) ? v.Origin : null;
}
