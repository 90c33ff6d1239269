using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>
/// Layer by layer: every operator runs whole on one core and streams its inputs and weights from the nearest
/// memory device and its output back (no tensor stays on chip). Operators are list-scheduled in order of
/// readiness, each on the core where it would finish first without contention (or on the core the allocation
/// fixes); each core runs its operators in that order, which the graph records as dependencies.
/// </summary>
public sealed class LayerByLayerPartitioner(IOperatorCostModel costModel,
    ImmutableDictionary<(string Model, string Operator), CoreRef>? allocation = null) : IPartitioner
{
    private sealed class Slot(CoreRef reference, Core core, MemoryPath memory)
    {
        public CoreRef Ref { get; } = reference;
        public Core Core { get; } = core;
        public MemoryPath Memory { get; } = memory;
        public MemoryLevel OffChip { get; } = memory.OffChipLevel(core);
        public double FreeAt { get; set; }
        public int LastTask { get; set; } = -1;
    }

    public TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models)
    {
        var paths = package.Chiplets.ToDictionary(c => c.Id, c => MemoryPath.Nearest(package, c.Id), StringComparer.Ordinal);
        var slots = MemoryPath.Cores(package).Select(c => new Slot(c.Ref, c.Core, paths[c.Ref.Chiplet])).ToList();
        var builder = new TaskGraphBuilder(PartitionMode.LayerByLayer, models);
        var finish = models.Select(_ => new Dictionary<string, (double End, int Task)>(StringComparer.Ordinal)).ToArray();
        var next = new int[models.Count];
        int total = models.Sum(m => m.Graph.Operators.Length);
        for (int done = 0; done < total; done++)
        {
            // The model whose next operator becomes ready first goes next; ties go to the earlier model.
            int chosen = -1;
            double chosenReady = double.PositiveInfinity;
            for (int m = 0; m < models.Count; m++)
            {
                if (next[m] == models[m].Graph.Operators.Length) continue;
                double ready = Producers(models[m].Graph, models[m].Graph.Operators[next[m]], finish[m]).Select(p => p.End).DefaultIfEmpty(0).Max();
                if (ready < chosenReady) (chosen, chosenReady) = (m, ready);
            }
            var model = models[chosen];
            var op = model.Graph.Operators[next[chosen]++];
            var (slot, end) = Choose(model, op, chosenReady, slots);
            var deps = Producers(model.Graph, op, finish[chosen]).Select(p => p.Task).Append(slot.LastTask);
            int id = builder.Compute(op.Name, model.Label, slot.Ref, op.Name, (op as ComputeOperator)?.Nest,
                op is ComputeOperator ? null : Work(model.Graph, op), deps, streamsFrom: slot.Memory.Device.Id);
            slot.FreeAt = end;
            slot.LastTask = id;
            finish[chosen][op.Name] = (end, id);
        }
        return builder.Build();
    }

    /// <summary>The vector work of a non-MAC operator (the same counts the cost model's graph helper uses).</summary>
    internal static VectorWork Work(ModelGraph graph, Operator op)
    {
        var s = graph.Statistics(op);
        return new VectorWork(s.VectorOperations, s.ParameterBytes + s.InputActivationBytes, s.OutputBytes);
    }

    private static IEnumerable<(double End, int Task)> Producers(ModelGraph graph, Operator op, Dictionary<string, (double End, int Task)> finished) =>
        op.Inputs.Where(graph.Producers.ContainsKey).Select(t => finished[graph.Producers[t].Name]);

    private (Slot Slot, double End) Choose(ModelInstance model, Operator op, double ready, List<Slot> slots)
    {
        Slot? best = null;
        double bestEnd = double.PositiveInfinity, bestPj = double.PositiveInfinity;
        var candidates = slots;
        if (allocation is not null && allocation.TryGetValue((model.Label, op.Name), out var fixedCore))
            candidates = [slots.FirstOrDefault(s => s.Ref == fixedCore)
                ?? throw new TesseraInputException($"allocation of {model.Label}/{op.Name} names core {fixedCore}, which the package lacks")];
        foreach (var slot in candidates)
        {
            var cost = costModel.Evaluate(model.Graph, op, slot.Core, slot.OffChip);
            double end = Math.Max(slot.FreeAt, ready) + StreamingSeconds(cost, slot.Core, slot.Memory);
            if (end < bestEnd || (end == bestEnd && cost.Energy.TotalPj < bestPj))
                (best, bestEnd, bestPj) = (slot, end, cost.Energy.TotalPj);
        }
        return (best!, bestEnd);
    }

    /// <summary>A streaming task's time: the memory access latency (when it touches memory) plus its cycles.</summary>
    public static double StreamingSeconds(OperatorCost cost, Core core, MemoryPath memory) =>
        (cost.OffChipBytes > 0 ? memory.LatencySeconds : 0) + cost.Cycles / core.FrequencyHz;
}
