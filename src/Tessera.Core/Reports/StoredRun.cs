using System.Collections.Immutable;
using System.Text;

namespace Tessera.Reports;

/// <summary>A scalar result of a run (a scenario's latency, a pool's objective), in the base unit of its kind.</summary>
public sealed record Metric(string Name, double Value, ValueKind Kind);

/// <summary>
/// What a result store keeps of one run, apart from its manifest: what ran (run, experiment, study, ecosystem, sweep …)
/// and under which name, whether it found a schedule, its metrics, and its tables (one row per model, resource, package
/// or cell). <paramref name="Point"/> names the point in a design space the run evaluated, stable across re-runs of the
/// same inputs and settings (see <see cref="PointOf"/>), so runs of one point can be joined.
/// </summary>
public sealed record StoredRun(string Kind, string Name, string Point, bool Feasible, ImmutableArray<Metric> Metrics, ImmutableArray<ResultTable> Tables)
{
    /// <summary>The id of the sweep this run is a point of (a store holds points of one sweep at most); null outside sweeps.</summary>
    public string? Sweep { get; init; }

    /// <summary>The point's position in its sweep's order, so shards merge into the order of the whole sweep.</summary>
    public int? SweepIndex { get; init; }

    /// <summary>
    /// A stable point id: the SHA-256 (first 16 hex digits) of the arguments that choose what is computed, the input
    /// files' hashes, the technology library's hash, the cost model and the seed. Two runs of the same command on the
    /// same bytes share it; changing an input, a flag or the seed changes it.
    /// </summary>
    public static string PointOf(Manifest manifest, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var text = new StringBuilder();
        foreach (var a in arguments) text.Append(a).Append('\0');
        foreach (var i in manifest.Inputs.OrderBy(i => i.Sha256, StringComparer.Ordinal)) text.Append(i.Sha256).Append('\0');
        text.Append(manifest.TechnologySha256).Append('\0').Append(manifest.CostModel).Append('\0').Append(manifest.Seed);
        return Manifest.Sha256Hex(Encoding.UTF8.GetBytes(text.ToString()))[..16];
    }
}

/// <summary>A run as the store lists it: its row id, what it was, its manifest (as stored) and its metrics.</summary>
public sealed record StoredRunSummary(long Id, string Point, string Kind, string Name, bool Feasible, string DateUtc, Manifest Manifest,
    ImmutableArray<Metric> Metrics)
{
    /// <summary>The sweep the run is a point of, and its position there; null outside sweeps.</summary>
    public string? Sweep { get; init; }

    public int? SweepIndex { get; init; }

    /// <summary>
    /// Runs as one table: a row per run (its id, kind and name, or its sweep point) and a column per metric any run has,
    /// in the order first seen; a run without a metric leaves its cell empty (NaN).
    /// </summary>
    public static ResultTable Table(string title, IReadOnlyList<StoredRunSummary> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var metrics = runs.SelectMany(r => r.Metrics).DistinctBy(m => m.Name).Select(m => new ResultColumn(m.Name, m.Kind)).ToList();
        ImmutableArray<ResultValue> Row(StoredRunSummary r)
        {
            var values = r.Metrics.ToDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal);
            return [r.SweepIndex is { } i ? $"#{r.Id} {r.Name} point {i}" : $"#{r.Id} {r.Kind} {r.Name}",
                .. metrics.Select(c => (ResultValue)values.GetValueOrDefault(c.Header, double.NaN))];
        }
        return new ResultTable(title, "one row per stored run", [new("run", ValueKind.Text), .. metrics], [.. runs.Select(Row)], []);
    }
}
