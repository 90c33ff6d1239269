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
    /// The runs table's columns before the metrics: what a run is (kept in every view), then its point, feasibility and
    /// provenance. Absent manifest fields are NaN cells (empty in CSV, null in Parquet); the seed is a number.
    /// </summary>
    private static readonly (string Header, ValueKind Kind, bool Provenance, Func<StoredRunSummary, ResultValue> Value)[] Fields =
    [
        ("id", ValueKind.Text, false, r => $"{r.Id}"),
        ("point", ValueKind.Text, true, r => r.Point),
        ("kind", ValueKind.Text, false, r => r.Kind),
        ("name", ValueKind.Text, false, r => r.Name),
        ("feasible", ValueKind.Text, true, r => r.Feasible ? "true" : "false"),
        ("date_utc", ValueKind.Text, true, r => r.DateUtc),
        ("version", ValueKind.Text, true, r => r.Manifest.Version),
        ("commit", ValueKind.Text, true, r => r.Manifest.Commit is { } c ? c : double.NaN),
        ("command_line", ValueKind.Text, true, r => string.Join(' ', r.Manifest.CommandLine)),
        ("cost_model", ValueKind.Text, true, r => r.Manifest.CostModel is { } c ? c : double.NaN),
        ("seed", ValueKind.Count, true, r => r.Manifest.Seed ?? double.NaN),
    ];

    /// <summary>
    /// Runs as one table, the one every export writes: a row per run with its id, point, kind, name, feasibility and
    /// manifest fields, then a column per metric any run has, in the order first seen (a run without a metric leaves
    /// its cell NaN). Without <paramref name="provenance"/> only id, kind and name precede the metrics (a report's
    /// view, whose charts label each row by its text cells).
    /// </summary>
    public static ResultTable Table(string title, IReadOnlyList<StoredRunSummary> runs, bool provenance = true)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var fields = Fields.Where(f => provenance || !f.Provenance).ToList();
        var metrics = runs.SelectMany(r => r.Metrics).DistinctBy(m => m.Name).Select(m => new ResultColumn(m.Name, m.Kind)).ToList();
        ImmutableArray<ResultValue> Row(StoredRunSummary r)
        {
            var values = r.Metrics.ToDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal);
            return [.. fields.Select(f => f.Value(r)), .. metrics.Select(c => (ResultValue)values.GetValueOrDefault(c.Header, double.NaN))];
        }
        return new ResultTable(title, "one row per stored run", [.. fields.Select(f => new ResultColumn(f.Header, f.Kind)), .. metrics],
            [.. runs.Select(Row)], []);
    }
}
