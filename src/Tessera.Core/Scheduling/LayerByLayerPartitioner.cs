using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>Where the greedy layer-by-layer rule puts one operator, in scheduling order.</summary>
/// <param name="Model">Index of the model in the list given to <see cref="LayerByLayerPartitioner.Place"/>.</param>
/// <param name="EndSeconds">When the operator would finish there, streaming and without contention.</param>
public sealed record LayerPlacement(int Model, Operator Operator, CoreRef Core, double EndSeconds);

/// <summary>
/// Layer by layer: every operator runs whole on one core and streams its inputs and weights from the nearest
/// memory device and its output back (no tensor stays on chip). Operators are list-scheduled in order of
/// readiness, each on the core where it would finish first without contention (or on the core the allocation
/// fixes, or among the cores <c>allowedCores</c> permits); each core runs its operators in that order, which the
/// graph records as dependencies.
/// </summary>
public sealed class LayerByLayerPartitioner(IOperatorCostModel costModel,
    ImmutableDictionary<(string Model, string Operator), CoreRef>? allocation = null,
    Func<ModelInstance, Operator, ImmutableArray<CoreRef>>? allowedCores = null) : IPartitioner
{
    private sealed class Slot(CoreRef reference, Core core, MemoryPath memory)
    {
        public CoreRef Ref { get; } = reference;
        public Core Core { get; } = core;
        public MemoryPath Memory { get; } = memory;
        public MemoryLevel OffChip { get; } = memory.OffChipLevel(core);
        public double FreeAt { get; set; }
    }

    public TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models)
    {
        var paths = MemoryPath.PerChiplet(package);
        var builder = new TaskGraphBuilder(PartitionMode.LayerByLayer, models);
        var taskOf = models.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
        var lastOnCore = new Dictionary<CoreRef, int>();
        foreach (var p in Place(package, models))
        {
            var graph = models[p.Model].Graph;
            var op = p.Operator;
            var deps = op.Inputs.Where(graph.Producers.ContainsKey).Select(t => taskOf[p.Model][graph.Producers[t].Name])
                .Append(lastOnCore.GetValueOrDefault(p.Core, -1));
            int id = builder.Compute(op.Name, models[p.Model].Label, p.Core, op.Name, (op as ComputeOperator)?.Nest,
                op is ComputeOperator ? null : Work(graph, op), deps, streamsFrom: paths[p.Core.Chiplet].Device.Id);
            lastOnCore[p.Core] = id;
            taskOf[p.Model][op.Name] = id;
        }
        return builder.Build();
    }

    /// <summary>
    /// The greedy allocation at layer granularity: operators in order of readiness (the model whose next operator
    /// is ready first goes next), each on the candidate core where it finishes first when streaming without
    /// contention (ties: less energy). Layer fusion reuses it to keep each layer's tiles on one core.
    /// </summary>
    public ImmutableArray<LayerPlacement> Place(Package package, IReadOnlyList<ModelInstance> models)
    {
        var paths = MemoryPath.PerChiplet(package);
        var slots = CoreRef.All(package).Select(c => new Slot(c.Ref, c.Core, paths[c.Ref.Chiplet])).ToList();
        var finish = models.Select(_ => new Dictionary<string, double>(StringComparer.Ordinal)).ToArray();
        var next = new int[models.Count];
        int total = models.Sum(m => m.Graph.Operators.Length);
        var placements = ImmutableArray.CreateBuilder<LayerPlacement>(total);
        for (int done = 0; done < total; done++)
        {
            int chosen = -1;
            double chosenReady = double.PositiveInfinity;
            for (int m = 0; m < models.Count; m++)
            {
                if (next[m] == models[m].Graph.Operators.Length) continue;
                double ready = Producers(models[m].Graph, models[m].Graph.Operators[next[m]], finish[m]).DefaultIfEmpty(0).Max();
                if (ready < chosenReady) (chosen, chosenReady) = (m, ready);
            }
            var model = models[chosen];
            var op = model.Graph.Operators[next[chosen]++];
            var (slot, end) = Choose(model, op, chosenReady, slots);
            slot.FreeAt = end;
            finish[chosen][op.Name] = end;
            placements.Add(new LayerPlacement(chosen, op, slot.Ref, end));
        }
        return placements.MoveToImmutable();
    }

    /// <summary>The vector work of a non-MAC operator (the same counts the cost model's graph helper uses).</summary>
    internal static VectorWork Work(ModelGraph graph, Operator op)
    {
        var s = graph.Statistics(op);
        return new VectorWork(s.VectorOperations, s.ParameterBytes + s.InputActivationBytes, s.OutputBytes);
    }

    private static IEnumerable<double> Producers(ModelGraph graph, Operator op, Dictionary<string, double> finished) =>
        op.Inputs.Where(graph.Producers.ContainsKey).Select(t => finished[graph.Producers[t].Name]);

    private (Slot Slot, double End) Choose(ModelInstance model, Operator op, double ready, List<Slot> slots)
    {
        Slot? best = null;
        double bestEnd = double.PositiveInfinity, bestPj = double.PositiveInfinity;
        var candidates = slots;
        if (allocation is not null && allocation.TryGetValue((model.Label, op.Name), out var fixedCore))
            candidates = [slots.FirstOrDefault(s => s.Ref == fixedCore)
                ?? throw new TesseraInputException($"allocation of {model.Label}/{op.Name} names core {fixedCore}, which the package lacks")];
        else if (allowedCores?.Invoke(model, op) is { IsDefaultOrEmpty: false } allowed)
            candidates = [.. allowed.Select(a => slots.FirstOrDefault(s => s.Ref == a)
                ?? throw new TesseraInputException($"{model.Label}/{op.Name} may run on core {a}, which the package lacks"))];
        foreach (var slot in candidates)
        {
            var cost = costModel.Evaluate(model.Graph, op, slot.Core, slot.OffChip);
            double end = Math.Max(slot.FreeAt, ready) + slot.Memory.StreamingSeconds(cost, slot.Core);
            if (end < bestEnd || (end == bestEnd && cost.Energy.TotalPj < bestPj))
                (best, bestEnd, bestPj) = (slot, end, cost.Energy.TotalPj);
        }
        return (best!, bestEnd);
    }
}
