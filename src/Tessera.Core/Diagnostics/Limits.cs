using System.Globalization;

namespace Tessera.Diagnostics;

/// <summary>
/// Every limit an input is read and built under, in one record. Input limits stop a FIFO, a device, an endless file or
/// deep nesting before a parser sees a byte; budgets are sizes checked before anything that large is built, so an
/// absurd input stops at once with its size named instead of exhausting memory or running for days. Each default is far
/// above any published package or study (the largest anchors: SCAR's 6×6 = 36 chiplets, Mozart's grid of 192
/// candidates). <c>--limit NAME=VALUE</c> raises one for a run (<see cref="Use"/>); docs/reliability.md lists them.
/// </summary>
/// <param name="TextBytes">Largest YAML, MAESTRO or JSON input (a hand-written file is kilobytes).</param>
/// <param name="OnnxBytes">Largest ONNX file (protobuf's own limit is 2 GiB; Tessera reads shapes, not weights).</param>
/// <param name="YamlDepth">Deepest nesting of YAML mappings and lists (real files nest fewer than ten levels).</param>
/// <param name="Chiplets">Chiplet instances in one package (a 64×64 grid).</param>
/// <param name="MemoryDevices">Off-chip memory devices in one package (or one flattened system).</param>
/// <param name="Links">Links in one package (or one flattened system): a 64×64 mesh has 8,064, with a link to each of 4,096 memories 12,160.</param>
/// <param name="TilesPerOperator">Tiles one operator may be cut into by a tiling or a Stream mapping.</param>
/// <param name="Operators">Operators in one model graph (Llama-3.1-405B has about 2,500).</param>
/// <param name="Tasks">Tasks in one simulated task graph (each costs a few hundred bytes while it is simulated).</param>
/// <param name="StudyPoints">Packages one study may enumerate (product of its axes).</param>
/// <param name="SweepPoints">Points one sweep may run (its product, list or sample); a larger space is sampled or split into sweeps.</param>
public sealed record Limits(long TextBytes, long OnnxBytes, int YamlDepth, int Chiplets, int MemoryDevices, long Links, long TilesPerOperator, long Operators, long Tasks,
    long StudyPoints, long SweepPoints)
{
    /// <summary>Widest operand a workload may declare: the simulator counts bits in 64-bit integers. Not raisable.</summary>
    public const int MaxOperandBits = 64;

    /// <summary>Largest memory a hardware file may declare (2⁶⁰ bits, 128 PiB): sizes stay exact in 64-bit arithmetic. Not raisable.</summary>
    public const long MaxMemoryBits = 1L << 60;

    public static Limits Default { get; } = new(TextBytes: 16L << 20, OnnxBytes: (2L << 30) - 1, YamlDepth: 64, Chiplets: 4096,
        MemoryDevices: 4096, Links: 1 << 16, TilesPerOperator: 1 << 16, Operators: 100_000, Tasks: 5_000_000, StudyPoints: 100_000, SweepPoints: 1_000_000);

    private static readonly AsyncLocal<Limits?> Scoped = new();

    /// <summary>The limits of the run in progress: the ones a caller set with <see cref="Use"/>, else the defaults.</summary>
    public static Limits Current => Scoped.Value ?? Default;

    /// <summary>Sets the limits for the calling flow (and the work it starts) until the returned scope is disposed.</summary>
    public static IDisposable Use(Limits limits)
    {
        var previous = Scoped.Value;
        Scoped.Value = limits;
        return new Scope(() => Scoped.Value = previous);
    }

    /// <summary>The names <c>--limit</c> takes, each with its value in this record.</summary>
    public IReadOnlyList<(string Name, double Value)> Named() =>
    [
        ("text-bytes", TextBytes), ("onnx-bytes", OnnxBytes), ("yaml-depth", YamlDepth), ("chiplets", Chiplets), ("memory-devices", MemoryDevices), ("links", Links),
        ("tiles-per-operator", TilesPerOperator), ("operators", Operators), ("tasks", Tasks), ("study-points", StudyPoints), ("sweep-points", SweepPoints),
    ];

    /// <summary>These limits with one raised (or lowered) by a <c>NAME=VALUE</c> setting; a bad setting names the choices.</summary>
    public Limits With(string setting)
    {
        var names = Named().Select(n => n.Name).ToArray();
        var parts = setting.Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1)
            throw new TesseraInputException($"--limit '{setting}'; expected NAME=VALUE with a whole number ≥ 1 (NAME: {string.Join(", ", names)})");
        int Int() => value <= int.MaxValue ? (int)value
            : throw new TesseraInputException($"--limit {setting}: {parts[0]} may be at most {int.MaxValue}");
        return parts[0].ToLowerInvariant() switch
        {
            "text-bytes" => this with { TextBytes = value },
            "onnx-bytes" => this with { OnnxBytes = value },
            "yaml-depth" => this with { YamlDepth = Int() },
            "chiplets" => this with { Chiplets = Int() },
            "memory-devices" => this with { MemoryDevices = Int() },
            "links" => this with { Links = value },
            "tiles-per-operator" => this with { TilesPerOperator = value },
            "operators" => this with { Operators = value },
            "tasks" => this with { Tasks = value },
            "study-points" => this with { StudyPoints = value },
            "sweep-points" => this with { SweepPoints = value },
            var other => throw new TesseraInputException($"--limit {other}{Suggestions.DidYouMean(other, names)}; expected one of {string.Join(", ", names)}"),
        };
    }

    /// <summary>
    /// Throws naming the input, the size it would build, the budget and the setting that raises it, when
    /// <paramref name="size"/> exceeds <paramref name="budget"/> (one of <see cref="Named"/>).
    /// </summary>
    public static void Check(string? where, string what, double size, long budget, string name)
    {
        if (size > budget)
            throw TesseraInputException.At(where,
                $"{what} would be {size:G6}, above the budget of {budget}; expected a smaller input, or raise it with --limit {name}=N (docs/reliability.md)");
    }

    private sealed class Scope(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
