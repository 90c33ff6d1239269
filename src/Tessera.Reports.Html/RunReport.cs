using System.Collections.Immutable;
using Tessera.Evaluation;
using Tessera.Floorplanning;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Search;
using Tessera.Simulation;

namespace Tessera.Reports.Html;

/// <summary>
/// The report of one scheduled scenario: the search's Pareto front (a searching scheduler), energy by part and model,
/// each resource's utilisation and the waiting it caused, on-chip memory over time, a roofline of every operator,
/// the package's floorplan, then the tables the console prints.
/// </summary>
public static class RunReport
{
    public static HtmlReport Build(ScheduleResult result, Package package, Func<Floorplan>? floorplan, Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(manifest);
        var sections = new List<ReportSection>();
        if (result.Search is ParetoReport front) sections.Add(new ReportSection("search", [Pareto(front)], ScheduleTables.Search(front)));
        else if (result.Search is { } search) sections.Add(new ReportSection("search", [], ScheduleTables.Search(search)));
        var e = result.Evaluation;
        if (e is null)
            return new HtmlReport($"tessera run: {result.Scheduler}", $"infeasible: {result.Infeasible}", manifest, [.. sections]);
        var tables = EvaluationTables.Tables(e);
        // The figures are independent: drawn side by side, kept in order.
        Func<ReportFigure?>[] draw = [() => Energy(e), () => Utilisation(e), () => Waiting(e), () => Memory(e), () => Roofline(result.Simulations, package),
            () => floorplan?.Invoke() is { } plan ? new ReportFigure("floorplan", $"floorplan of {plan.Package}", FloorplanSvg.Render(plan),
                plan.Legal ? "" : string.Join("; ", plan.Violations.Select(v => v.Message))) : null];
        var figures = draw.AsParallel().AsOrdered().Select(f => f()).ToArray();
        sections.Add(new ReportSection("energy and latency", [figures[0]!], [tables[0], tables[1]]));
        sections.Add(new ReportSection("resources", [figures[1]!, figures[2]!], [tables[2]]));
        sections.Add(new ReportSection("memory and operators", [figures[3]!, figures[4]!]));
        if (figures[5] is { } drawn) sections.Add(new ReportSection("floorplan", [drawn]));
        var subtitle = $"{e.Scenario} on {e.Hardware}: scheduler {result.Scheduler}, {e.Partition}, cost model {e.CostModel}, {e.Tasks} tasks, " +
            $"contention {(e.Contention ? "on" : "off")}";
        return new HtmlReport($"tessera run: {e.Scenario}", subtitle, manifest, [.. sections]);
    }

    private static ReportFigure Pareto(ParetoReport r)
    {
        var points = r.Front.Select((p, i) => ($"#{i + 1}", p.LatencySeconds, p.EnergyJ)).Append(("greedy", r.Greedy.LatencySeconds, r.Greedy.EnergyJ)).ToList();
        int chosen = r.Front.Select((p, i) => (p, i)).FirstOrDefault(x => x.p.Chosen, (null!, -1)).Item2;
        return new ReportFigure("pareto", "latency–energy Pareto front", Charts.Pareto($"Pareto front ({r.Evaluations} allocations simulated)", points, chosen >= 0 ? chosen : null),
            $"NSGA-II's front with the greedy schedule; circled: the point chosen by {r.Objective}.");
    }

    private static ReportFigure Energy(EvaluationResult e)
    {
        string[] parts = ["compute", "on-chip memory", "off-chip memory", "die-to-die / NoP", "static"];
        List<(string Model, Scoring.EnergyBreakdown Energy)> rows = [.. e.Models.Select(m => (m.Model, m.Energy)), ("scenario", e.Energy)];
        var values = new double[rows.Count, parts.Length];
        for (int i = 0; i < rows.Count; i++)
        {
            var b = rows[i].Energy;
            double[] row = [b.ComputeJ, b.OnChipMemoryJ, b.OffChipMemoryJ, b.InterconnectJ, b.StaticJ];
            for (int p = 0; p < parts.Length; p++) values[i, p] = row[p];
        }
        return new ReportFigure("energy", "energy breakdown", Charts.StackedBars("energy by part", [.. rows.Select(r => r.Model)], parts, values, "J"),
            "Static energy is the package's leakage over the makespan, charged to the scenario only.");
    }

    private static ReportFigure Utilisation(EvaluationResult e) => new("utilisation", "utilisation per resource",
        Charts.HorizontalBars("utilisation (busy ÷ makespan)", [.. e.Resources.Select(r => r.Name)], [.. e.Resources.Select(r => r.Utilisation)],
            "utilisation", "%", [.. e.Resources.Select(r => (int)r.Kind)]),
        "Blue: cores; orange: links; green: memory devices; red: shared on-chip memory ports.");

    private static ReportFigure Waiting(EvaluationResult e) => new("waiting", "waiting per resource",
        Charts.HorizontalBars("time tasks waited for each resource", [.. e.Resources.Select(r => r.Name)], [.. e.Resources.Select(r => r.WaitingSeconds)],
            "waiting", "s", [.. e.Resources.Select(r => (int)r.Kind)]),
        $"A task's wait is charged to the last resource that held it back; {e.CriticalPathWaitingSeconds:G3} s of waiting lies on the critical path.");

    private static ReportFigure Memory(EvaluationResult e) => new("memory", "on-chip memory occupancy over time",
        Charts.Steps("on-chip memory occupancy", [.. e.Memory.Select(m => new Series(m.Core, m.TimesSeconds, [.. m.Bytes.Select(b => (double)b)]))], "s", "B", "occupied"),
        e.Memory.IsEmpty ? "No core held data on chip." : $"Peak against capacity: {string.Join(", ", e.Memory.Take(8).Select(m => $"{m.Core} {100.0 * m.PeakBytes / m.CapacityBytes:0}%"))}" +
            (e.Memory.Length > 8 ? " …" : ""));

    /// <summary>
    /// Every compute task that read off-chip data, at (MACs per off-chip byte, MACs per second), under its chiplet
    /// design's compute roof (PEs × clock) and the memory roof of the package's fastest memory device.
    /// </summary>
    private static ReportFigure Roofline(ImmutableArray<SimulationResult> simulations, Package package)
    {
        var points = new List<(string Group, double MacsPerByte, double MacsPerSecond)>();
        var roofs = new Dictionary<string, double>(StringComparer.Ordinal);
        int onChip = 0, unknown = 0;
        foreach (var sim in simulations)
        {
            var costs = sim.TaskCosts;
            foreach (var task in sim.Graph.Tasks.OfType<ComputeTask>())
            {
                var design = package.Chiplet(task.Core.Chiplet).Design;
                var core = design.Cores[task.Core.Core];
                roofs[design.Name] = Math.Max(roofs.GetValueOrDefault(design.Name), core.PeakMacsPerCycle * core.FrequencyHz);
                var timing = sim.Timings[task.Id];
                double seconds = timing.EndSeconds - timing.StartSeconds;
                if (task.Macs == 0 || seconds <= 0) continue;
                // A simulation that kept no per-task costs says nothing of a task's off-chip bytes: left out, not taken as on chip.
                if (costs.IsDefaultOrEmpty) { unknown++; continue; }
                double bytes = costs[task.Id].DramBytes;
                if (bytes <= 0) { onChip++; continue; }
                points.Add((design.Name, task.Macs / bytes, task.Macs / seconds));
            }
        }
        double bandwidth = package.Memories.IsEmpty ? 0 : package.Memories.Max(m => m.BandwidthBytesPerSecond);
        var caption = $"Memory roof: {bandwidth / 1e9:G3} GB/s (the package's fastest memory device); compute roofs: PEs × clock per chiplet design." +
            (onChip > 0 ? $" {onChip} tasks read nothing off chip and are not shown." : "") +
            (unknown > 0 ? $" {unknown} tasks of simulations without per-task costs are not shown." : "");
        var svg = Charts.Roofline("per-operator roofline", points, [.. roofs.Select(r => (r.Key, r.Value))], bandwidth);
        return new ReportFigure("roofline", "per-operator roofline", svg, caption);
    }
}
