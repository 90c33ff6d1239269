using System.Collections.Immutable;
using Tessera.Search;
using Tessera.Search.Scar;

namespace Tessera.Reports;

/// <summary>A schedule's tables: its search's (Pareto front, CP-SAT allocation, SCAR windows), then its evaluation's.</summary>
public static class ScheduleTables
{
    public static ImmutableArray<ResultTable> Tables(ScheduleResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return [.. Search(r.Search), .. r.Evaluation is { } e ? EvaluationTables.Tables(e) : []];
    }

    /// <summary>The search's own tables (none for a scheduler without a report).</summary>
    public static IEnumerable<ResultTable> Search(SearchReport? report) => report switch
    {
        ParetoReport front => [Front(front)],
        ExactReport exact => [Exact(exact)],
        ScarReport scar => Scar(scar),
        _ => [],
    };

    private static ResultTable Front(ParetoReport r) => new(
        $"Pareto front (NSGA-II, {r.Evaluations} allocations simulated of {SearchSpace.Describe(r.SpaceSize)}; chosen by {r.Objective})", "",
        [new("", ValueKind.Text), new("latency", ValueKind.Seconds), new("energy", ValueKind.Joules), new("EDP", ValueKind.JouleSeconds),
            new("latency ÷ greedy", ValueKind.Ratio), new("energy ÷ greedy", ValueKind.Ratio)],
        [
            .. r.Front.Select(p => ImmutableArray.Create<ResultValue>(p.Chosen ? "→" : "", p.LatencySeconds, p.EnergyJ, p.Edp,
                p.LatencySeconds / r.Greedy.LatencySeconds, p.EnergyJ / r.Greedy.EnergyJ)),
            [(ResultValue)"greedy", r.Greedy.LatencySeconds, r.Greedy.EnergyJ, r.Greedy.Edp, 1, 1],
        ], []);

    private static ResultTable Exact(ExactReport r) => new(
        $"CP-SAT ({r.Layers} layers, {r.Cores} cores, objective {r.Objective}): {r.Status}, gap {r.Gap:P2}, " +
        $"model makespan {r.ModelMakespanSeconds:G4} s, model energy {r.ModelEnergyJ:G4} J; simulated below", "",
        [new("layer", ValueKind.Text), new("core", ValueKind.Text)],
        [.. r.Allocation.Select(a => ImmutableArray.Create<ResultValue>(a.Key, a.Value))], []);

    private static IEnumerable<ResultTable> Scar(ScarReport r)
    {
        yield return new ResultTable(
            $"SCAR (objective {r.Objective} = {r.ObjectiveValue:G4}, {r.Windows.Count} windows, {r.Simulations} candidates simulated, {r.WallSeconds:0.0} s)", "",
            [new("window", ValueKind.Count), new("model", ValueKind.Text), new("layers", ValueKind.Text), new("chiplets", ValueKind.Count),
                new("segments → chiplet (dataflow)", ValueKind.Text), new("ends", ValueKind.Seconds), new("window latency", ValueKind.Seconds),
                new("window energy", ValueKind.Joules)],
            [
                .. r.Windows.SelectMany(w => w.Models.Select((m, i) => ImmutableArray.Create<ResultValue>(w.Window, m.Model, $"{m.Layers.First}–{m.Layers.End - 1}",
                    m.Chiplets, string.Join("; ", m.Segments.Select(s => $"{s.FirstOperator}–{s.FirstOperator + s.OperatorCount - 1} → {s.Chiplet} ({Short(s.Dataflow)})")),
                    m.EndSeconds, i == 0 ? w.LatencySeconds : "", i == 0 ? w.EnergyJ : ""))),
            ], []);
        if (r.Models.Any(m => m.LimitSeconds is not null))
            yield return new ResultTable("model latencies against their limits", "",
                [new("model", ValueKind.Text), new("latency", ValueKind.Seconds), new("limit", ValueKind.Seconds)],
                [.. r.Models.Select(m => ImmutableArray.Create<ResultValue>(m.Model, m.LatencySeconds, m.LimitSeconds is { } l ? l : "-"))], []);
    }

    private static string Short(string dataflow) => dataflow switch
    {
        "weight-stationary" => "WS",
        "output-stationary" => "OS",
        _ => dataflow,
    };
}
