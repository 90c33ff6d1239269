using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Evaluation;

/// <summary>
/// Layer-by-layer execution of several models at once: every operator reads its operands from off-chip
/// memory and writes its result back, and runs whole on one core. Operators are list-scheduled in order of
/// readiness, each on the core where it would finish first. Contention on links and DRAM is not modelled
/// here: the event-driven simulator (a later issue) takes that over.
/// </summary>
public sealed class LayerByLayerEvaluator(IOperatorCostModel costModel)
{
    private const double PicoToUnit = 1e-12;
    private const double BitsPerByte = 8;

    /// <summary>How a chiplet reaches its nearest off-chip memory device.</summary>
    private sealed record MemoryPath(MemoryDevice Device, double BytesPerSecond, double LatencySeconds, double LinkEnergyPerBitPj);

    private sealed record CoreSlot(ChipletInstance Chiplet, Core Core, MemoryPath Memory)
    {
        public MemoryLevel OffChip { get; } = CostModelExtensions.OffChipLevel(
            Memory.Device, Memory.BytesPerSecond, Memory.Device.EnergyPerBitPj, Core.FrequencyHz);

        public double FreeAt { get; set; }
    }

    public EvaluationResult Evaluate(string scenarioName, Package package, IReadOnlyList<ModelInstance> models,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var slots = package.Chiplets
            .SelectMany(ch => ch.Design.Cores.Select(core => new CoreSlot(ch, core, NearestMemory(package, ch))))
            .ToList();
        var placements = new List<OperatorPlacement>();
        var finishTimes = models.Select(_ => new Dictionary<string, double>(StringComparer.Ordinal)).ToArray();
        var next = new int[models.Count];
        int total = models.Sum(m => m.Graph.Operators.Length), done = 0;

        while (done < total)
        {
            cancellation.ThrowIfCancellationRequested();
            // The model whose next operator becomes ready first goes next; ties go to the earlier model.
            int chosen = -1;
            double chosenReady = double.PositiveInfinity;
            for (int m = 0; m < models.Count; m++)
            {
                if (next[m] == models[m].Graph.Operators.Length) continue;
                double ready = ReadyTime(models[m].Graph, models[m].Graph.Operators[next[m]], finishTimes[m]);
                if (ready < chosenReady) (chosen, chosenReady) = (m, ready);
            }
            var model = models[chosen];
            var op = model.Graph.Operators[next[chosen]++];
            var placement = Place(model, op, chosenReady, slots);
            finishTimes[chosen][op.Name] = placement.EndSeconds;
            placements.Add(placement);
            done++;
            progress?.Report(done / (double)total);
        }

        double makespan = placements.Count == 0 ? 0 : placements.Max(p => p.EndSeconds);
        double staticWatts = package.Chiplets.Sum(c => TreeStaticPower(c)) + package.Memories.Sum(m => m.StaticPowerW);
        var dynamic = placements.Aggregate(EnergyBreakdown.Zero, (e, p) => e + p.Energy);
        var energy = dynamic with { StaticJ = staticWatts * makespan };
        var results = models.Select(m =>
        {
            var own = placements.Where(p => p.Model == m.Label).ToList();
            return new ModelResult(m.Label, m.Batch, m.Graph.Macs, own.Count == 0 ? 0 : own.Max(p => p.EndSeconds),
                own.Aggregate(EnergyBreakdown.Zero, (e, p) => e + p.Energy));
        }).ToImmutableArray();
        return new EvaluationResult(scenarioName, package.Name, costModel.GetType().Name, makespan, energy, results, [.. placements]);
    }

    private static double ReadyTime(ModelGraph graph, Operator op, Dictionary<string, double> finished) =>
        op.Inputs.Where(graph.Producers.ContainsKey)
            .Select(t => finished[graph.Producers[t].Name])
            .DefaultIfEmpty(0).Max();

    private OperatorPlacement Place(ModelInstance model, Operator op, double ready, List<CoreSlot> slots)
    {
        CoreSlot? best = null;
        OperatorCost? bestCost = null;
        double bestEnd = double.PositiveInfinity;
        foreach (var slot in slots)
        {
            var cost = costModel.Evaluate(model.Graph, op, slot.Core, slot.OffChip);
            double access = cost.OffChipBytes > 0 ? slot.Memory.LatencySeconds : 0;
            double end = Math.Max(slot.FreeAt, ready) + access + cost.Cycles / slot.Core.FrequencyHz;
            if (end < bestEnd || (end == bestEnd && cost.Energy.TotalPj < bestCost!.Energy.TotalPj))
                (best, bestCost, bestEnd) = (slot, cost, end);
        }
        double start = Math.Max(best!.FreeAt, ready);
        best.FreeAt = bestEnd;
        var energy = new EnergyBreakdown(
            bestCost!.Energy.ComputePj * PicoToUnit,
            bestCost.Energy.OnChipMemoryPj * PicoToUnit,
            bestCost.Energy.OffChipMemoryPj * PicoToUnit,
            bestCost.OffChipBytes * BitsPerByte * best.Memory.LinkEnergyPerBitPj * PicoToUnit,
            0);
        long macs = op is ComputeOperator c ? c.Nest.Macs : 0;
        return new OperatorPlacement(model.Label, op.Name, op.OpType, best.Chiplet.Id, best.Core.Name, start, bestEnd,
            macs, bestCost.Utilisation, bestCost.BoundBy, energy);
    }

    /// <summary>The fewest-hop memory device; its bandwidth is capped by the narrowest link on the way.</summary>
    private static MemoryPath NearestMemory(Package package, ChipletInstance chiplet)
    {
        MemoryPath? best = null;
        int bestHops = int.MaxValue;
        foreach (var device in package.Memories)
        {
            if (package.Route(chiplet.Id, device.Id) is not { } route || route.Length >= bestHops) continue;
            double bandwidth = route.Select(l => l.BandwidthBytesPerSecond).Append(device.BandwidthBytesPerSecond).Min();
            best = new MemoryPath(device, bandwidth, device.LatencySeconds + route.Sum(l => l.LatencySeconds),
                route.Sum(l => l.EnergyPerBitPj));
            bestHops = route.Length;
        }
        return best ?? throw TesseraInputException.At(package.Name,
            $"chiplet '{chiplet.Id}' reaches no off-chip memory; expected a link path to a memory device");
    }

    private static double TreeStaticPower(IHardwareComponent node) =>
        node.StaticPowerW + node.Children.Sum(TreeStaticPower);
}
