using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Scoring;

namespace Tessera.Simulation;

public sealed partial class Simulator
{
    // ---------------------------------------------------------------------------------------------- results

    private SimulationResult Report(string scenario, Package package, TaskGraph graph, Setup s, Run run, bool contention)
    {
        int n = graph.Tasks.Length;
        double makespan = n == 0 ? 0 : run.End.Max();
        int modelCount = graph.Models.Length;
        var opTypes = graph.Models.Select(m => m.Graph.Operators.ToDictionary(o => o.Name, o => o.OpType, StringComparer.Ordinal)).ToArray();
        var placements = ImmutableArray.CreateBuilder<OperatorPlacement>();
        // Joules by model (the last row: tasks of no model) and component: compute, on-chip, DRAM, links.
        var joules = new double[modelCount + 1, 4];
        var modelEnd = new double[modelCount];
        var batchEnd = new double[modelCount, graph.MiniBatches];
        double waiting = 0, dramBytes = 0, transferBytes = 0;
        long spilled = 0;
        int resourceCount = s.Names.Count;
        int pools = s.Pools.Count;
        var busy = new double[resourceCount + pools];
        var count = new int[resourceCount + pools];
        var waitOn = new double[resourceCount + pools];
        var timings = ImmutableArray.CreateBuilder<TaskTiming>(n);
        var perTask = new PerTaskCosts(s, run);
        foreach (var t in graph.Tasks)
        {
            int i = t.Id, m = s.ModelIndex[i];
            var taskEnergy = perTask.Energy(i);
            int row = m >= 0 ? m : modelCount;
            joules[row, 0] += taskEnergy.ComputeJ;
            joules[row, 1] += taskEnergy.OnChipMemoryJ;
            joules[row, 2] += taskEnergy.OffChipMemoryJ;
            joules[row, 3] += taskEnergy.InterconnectJ;
            if (m >= 0)
            {
                modelEnd[m] = Math.Max(modelEnd[m], run.End[i]);
                if (t.MiniBatch < graph.MiniBatches) batchEnd[m, t.MiniBatch] = Math.Max(batchEnd[m, t.MiniBatch], run.End[i]);
            }
            double wait = run.Start[i] - run.Ready[i];
            waiting += wait;
            if (run.BlockedBy[i] >= 0) waitOn[run.BlockedBy[i]] += wait;
            dramBytes += perTask.DramBytes(i);
            transferBytes += s.TransferBytes[i];
            spilled += run.Spilled[i] + run.Evicted[i];
            foreach (var r in s.Resources[i])
            {
                busy[r] += run.End[i] - run.Start[i];
                count[r]++;
            }
            timings.Add(new TaskTiming(run.Ready[i], run.Start[i], run.End[i]));
            if (t is ComputeTask c)
            {
                var cost = s.Costs[i]!;
                var type = m >= 0 && opTypes[m].TryGetValue(c.Operator, out var found) ? found : "";
                placements.Add(new OperatorPlacement(c.Model, c.Name, type, c.Core.Chiplet, s.Cores[s.CoreOf(c.Core)].Name,
                    run.Start[i], run.End[i], c.Macs, cost.Utilisation, cost.BoundBy, taskEnergy));
            }
        }
        EnergyBreakdown Row(int row) => new(joules[row, 0], joules[row, 1], joules[row, 2], joules[row, 3], 0);
        var total = Enumerable.Range(0, modelCount + 1).Aggregate(EnergyBreakdown.Zero, (e, row) => e + Row(row));
        var energy = total with { StaticJ = s.StaticWatts * makespan };
        var models = graph.Models.Select((model, m) =>
        {
            var ends = Enumerable.Range(0, graph.MiniBatchesOf(m)).Select(b => batchEnd[m, b]).Order().ToArray();
            double latency = modelEnd[m];
            double throughput = ends.Length > 1 && ends[^1] > ends[0] ? (ends.Length - 1) / (ends[^1] - ends[0])
                : latency > 0 ? 1 / latency : 0;
            return new ModelResult(model.Label, model.Batch, model.Graph.Macs, latency, Row(m))
            {
                MiniBatches = graph.MiniBatchesOf(m),
                ThroughputPerSecond = throughput,
            };
        }).ToImmutableArray();

        var usage = ImmutableArray.CreateBuilder<ResourceUsage>();
        for (int r = 0; r < resourceCount + pools; r++)
        {
            bool memory = r >= resourceCount;
            if (count[r] == 0 && waitOn[r] == 0) continue;
            usage.Add(new ResourceUsage(memory ? $"{s.Pools[r - resourceCount].Name}/memory" : s.Names[r],
                memory ? ResourceKind.Memory : s.Kinds[r], count[r], busy[r], makespan > 0 ? busy[r] / makespan : 0, waitOn[r]));
        }
        var memorySeries = ImmutableArray.CreateBuilder<MemoryOccupancy>();
        for (int p = 0; p < pools; p++)
        {
            var series = run.Occupancy[p];
            if (series.Count <= 1) continue;
            memorySeries.Add(new MemoryOccupancy(s.Pools[p].Name, s.Pools[p].CapacityBytes, series.Max(point => point.Bytes),
                [.. series.Select(point => point.Time)], [.. series.Select(point => point.Bytes)]));
        }

        var result = new EvaluationResult(scenario, package.Name, costModel.Name, makespan, energy, models, placements.ToImmutable())
        {
            Partition = Partitioners.Spelling(graph.Mode),
            Contention = contention,
            Tasks = n,
            WaitingSeconds = waiting,
            CriticalPathWaitingSeconds = CriticalPathWaiting(graph, run),
            DramBytes = dramBytes,
            TransferBytes = transferBytes,
            SpilledBytes = spilled,
            Resources = usage.ToImmutable(),
            Memory = memorySeries.ToImmutable(),
        };
        return new SimulationResult(result, graph, timings.MoveToImmutable(), ImmutableCollectionsMarshal.AsImmutableArray(s.Resources),
            [.. s.Names], [.. s.Kinds], [.. s.Groups])
        { TaskCostSource = new(perTask.All) };
    }

    /// <summary>
    /// Each task's energy by component and the bytes it moved, from the arrays the setup and the run filled. Holds
    /// only those arrays, so a result whose per-task costs are built later (<see cref="SimulationResult.TaskCosts"/>:
    /// a report or a trace asks, a search's candidates never do) keeps no more of the simulation alive.
    /// </summary>
    private sealed class PerTaskCosts(Setup s, Run run)
    {
        private readonly double[] _computePj = s.ComputePj, _onChipPj = s.OnChipPj, _dramPj = s.DramPj, _linkPj = s.LinkPj;
        private readonly double[] _dramBytes = s.DramBytes, _transferBytes = s.TransferBytes;
        private readonly double[] _extraDramPj = run.ExtraDramPj, _extraLinkPj = run.ExtraLinkPj, _extraDramBytes = run.ExtraDramBytes;

        public EnergyBreakdown Energy(int i) => new(_computePj[i] * PicoToUnit, _onChipPj[i] * PicoToUnit,
            (_dramPj[i] + _extraDramPj[i]) * PicoToUnit, (_linkPj[i] + _extraLinkPj[i]) * PicoToUnit, 0);

        public double DramBytes(int i) => _dramBytes[i] + _extraDramBytes[i];

        public ImmutableArray<TaskCost> All() =>
            [.. Enumerable.Range(0, _computePj.Length).Select(i => new TaskCost(Energy(i), DramBytes(i), _transferBytes[i]))];
    }

    /// <summary>Walks back from the last task to end through the dependency that made each task ready, summing waits.</summary>
    private static double CriticalPathWaiting(TaskGraph graph, Run run)
    {
        if (graph.Tasks.IsEmpty) return 0;
        int t = 0;
        for (int i = 1; i < run.End.Length; i++)
            if (run.End[i] > run.End[t]) t = i;
        double waiting = 0;
        while (true)
        {
            waiting += run.Start[t] - run.Ready[t];
            var deps = graph.Tasks[t].Dependencies;
            if (deps.IsEmpty) return waiting;
            int best = deps[0];
            foreach (var d in deps)
                if (run.End[d] > run.End[best]) best = d;
            t = best;
        }
    }
}
