using System.Collections.Immutable;
using System.Text;
using Tessera.Diagnostics;

namespace Tessera.Reports;

/// <summary>A point two stores hold with different results: where each is and the first difference.</summary>
public sealed record MergeConflict(string Point, string Name, string First, string Second, string Difference)
{
    public override string ToString() => $"point {Point} ({Name}) differs between {First} and {Second}: {Difference}";
}

/// <summary>
/// Unions result stores (the shards of a sweep, or any stores) into one. Shards of different sweeps are refused; a point
/// held by several stores is kept once when its results agree and reported as a conflict when they differ, in which
/// case nothing is written. Runs keep their manifests and come in the sweep's order (points by their position in the
/// sweep, then other runs by store and id), so merged shards read like the sweep run in one piece.
/// </summary>
public static class StoreMerge
{
    public static ImmutableArray<MergeConflict> Merge(IReadOnlyList<ResultStore> inputs, ResultStore output)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(output);
        var sweeps = inputs.Select(s => (Store: s, Sweep: s.Sweep())).Where(s => s.Sweep is not null).ToList();
        if (sweeps.DistinctBy(s => s.Sweep).Skip(1).FirstOrDefault() is { Store: not null } other)
            throw new TesseraInputException($"{sweeps[0].Store.Path} holds sweep {sweeps[0].Sweep} and {other.Store.Path} sweep {other.Sweep}: " +
                "shards of different sweep specs; expected stores of one sweep (the same spec file, run with --shard i/N)");

        var runs = inputs.SelectMany((store, order) => store.List().Select(run => (Store: store, Order: order, Run: run)))
            .OrderBy(r => r.Run.SweepIndex ?? int.MaxValue).ThenBy(r => r.Order).ThenBy(r => r.Run.Id).ToList();
        var kept = new Dictionary<string, (ResultStore Store, StoredRunSummary Run, string Result)>(StringComparer.Ordinal);
        var conflicts = ImmutableArray.CreateBuilder<MergeConflict>();
        var write = new List<(StoredRunSummary Run, ImmutableArray<ResultTable> Tables)>();
        foreach (var (store, _, run) in runs)
        {
            var tables = store.Show(run.Id).Tables;
            var result = Result(run, tables);
            if (kept.TryGetValue(run.Point, out var first) && first.Store != store)
            {
                if (first.Result != result)
                    conflicts.Add(new MergeConflict(run.Point, run.Name, $"{first.Store.Path} (run {first.Run.Id})", $"{store.Path} (run {run.Id})",
                        Difference(first.Run, run)));
                continue;
            }
            kept.TryAdd(run.Point, (store, run, result));
            write.Add((run, tables));
        }
        if (conflicts.Count > 0) return conflicts.ToImmutable();
        foreach (var (run, tables) in write)
            output.Append(run.Manifest, new StoredRun(run.Kind, run.Name, run.Point, run.Feasible, run.Metrics, tables)
            {
                Sweep = run.Sweep,
                SweepIndex = run.SweepIndex,
            });
        return [];
    }

    /// <summary>Everything a run computed (not when, where or by which command): feasibility, metrics and every table cell.</summary>
    private static string Result(StoredRunSummary run, ImmutableArray<ResultTable> tables)
    {
        var text = new StringBuilder(run.Feasible ? "feasible\n" : "infeasible\n");
        foreach (var m in run.Metrics) text.Append(m.Name).Append('=').Append(Csv.Number(m.Value)).Append(' ').Append(m.Kind).Append('\n');
        foreach (var t in tables)
        {
            text.Append("# ").Append(t.Title).Append('|').Append(t.Caption).Append('|').AppendJoin(';', t.Notes).Append('\n');
            text.AppendJoin('|', t.Columns.Select(c => $"{c.Header}:{c.Kind}")).Append('\n');
            foreach (var row in t.Rows) text.AppendJoin('|', row.Select(Csv.Field)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The first metric that differs, else a word on what does.</summary>
    private static string Difference(StoredRunSummary a, StoredRunSummary b)
    {
        if (a.Feasible != b.Feasible) return $"feasible {a.Feasible} and {b.Feasible}";
        var other = b.Metrics.ToDictionary(m => m.Name, m => m.Value, StringComparer.Ordinal);
        foreach (var m in a.Metrics)
            if (!other.TryGetValue(m.Name, out var v) || Csv.Number(v) != Csv.Number(m.Value))
                return $"{m.Name} {Csv.Number(m.Value)} and {(other.ContainsKey(m.Name) ? Csv.Number(v) : "none")}";
        return "their tables";
    }
}
