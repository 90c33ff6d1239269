using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>
/// Tensor parallelism (Mozart): every operator is split over <c>ways</c> cores — MAC operators along an output
/// dimension (K; the heads B of attention matmuls), vector operators by elements. Each core reads its weight
/// slice and the model inputs from DRAM, computes its slice, and all-gathers it to the other cores (one
/// transfer per slice and destination), so every core holds the whole activation for the next operator.
/// Model outputs are written back slice by slice. Model j uses the cores j·ways … j·ways + ways − 1 (wrapping).
/// </summary>
public sealed class TensorParallelPartitioner(int ways, IOperatorCostModel? costModel = null) : IPartitioner
{
    public TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models)
    {
        var cores = CoreRef.All(package);
        if (ways > cores.Length)
            throw new InfeasibleException($"tensor parallelism over {ways} cores; the package has {cores.Length}");
        var paths = MemoryPath.PerChiplet(package);
        var builder = new TaskGraphBuilder(PartitionMode.TensorParallel, models);
        var lastOnCore = new Dictionary<CoreRef, int>();
        int Last(CoreRef c) => lastOnCore.TryGetValue(c, out var t) ? t : -1;

        for (int m = 0; m < models.Count; m++)
        {
            var (label, graph) = (models[m].Label, models[m].Graph);
            var ranked = costModel is null ? cores : Rank(package, cores, graph, costModel);
            var group = Enumerable.Range(0, ways).Select(i => ranked[(m * ways + i) % ranked.Length].Ref).ToArray();
            var consumed = graph.Operators.SelectMany(o => o.Inputs).ToHashSet(StringComparer.Ordinal);
            // tensor → per core of the group, the tasks that put (part of) it there
            var local = new Dictionary<string, List<int>[]>(StringComparer.Ordinal);
            var inputs = new Dictionary<(string, int), int>();
            foreach (var op in graph.Operators)
            {
                var nest = (op as ComputeOperator)?.Nest;
                string? dimension = nest is null ? null : Slicing.OutputDimension(nest);
                int parts = nest is null ? ways : (int)Math.Min(ways, nest.Sizes[dimension!]);
                var work = nest is null ? LayerByLayerPartitioner.Work(graph, op) : null;
                long otherParameters = op.Inputs.Distinct(StringComparer.Ordinal).Select(t => graph.Tensors[t])
                    .Where(t => t.Kind == TensorKind.Parameter && (nest is null || t.Name != nest.Operand(OperandRole.Weight).Tensor))
                    .Sum(t => t.Bytes);
                long outBytes = op.Outputs.Sum(o => graph.Tensors[o].Bytes);
                var slices = new int[parts];
                for (int i = 0; i < parts; i++)
                {
                    var core = group[i];
                    var device = paths[core.Chiplet].Device.Id;
                    var deps = new List<int> { Last(core) };
                    var slice = nest is null ? null : Slicing.Slice(nest, dimension!, parts, i);
                    long weightBytes = Slicing.Share(otherParameters, parts, i) + WeightBytes(graph, slice);
                    if (weightBytes > 0)
                        deps.Add(builder.DramRead($"{label}/{op.Name}/w{i}", label, device, core, weightBytes, []));
                    foreach (var name in op.Inputs.Distinct(StringComparer.Ordinal))
                    {
                        var tensor = graph.Tensors[name];
                        if (tensor.Kind == TensorKind.ModelInput)
                        {
                            if (!inputs.TryGetValue((name, i), out var read))
                                inputs[(name, i)] = read = builder.DramRead($"{label}/{name}→{core}", label, device, core, tensor.Bytes, []);
                            deps.Add(read);
                        }
                        else if (local.TryGetValue(name, out var here))
                            deps.AddRange(here[i]);
                    }
                    slices[i] = builder.Compute($"{label}/{op.Name}/{i}", label, core, op.Name, slice,
                        work is null ? null : Slicing.Slice(work, parts, i), deps,
                        new TensorRef($"{label}/{op.Name}/{i}", Slicing.Share(outBytes, parts, i)));
                    lastOnCore[core] = slices[i];
                }
                var arrivals = Enumerable.Range(0, ways).Select(j => new List<int>(j < parts ? [slices[j]] : [])).ToArray();
                for (int i = 0; i < parts; i++)
                {
                    long bytes = Slicing.Share(outBytes, parts, i);
                    if (op.Outputs.Any(consumed.Contains))
                    {
                        for (int j = 0; j < ways; j++)
                            if (j != i && bytes > 0)
                                arrivals[j].Add(builder.Transfer($"{label}/{op.Name}/{i}→{group[j]}", label, group[i], group[j], bytes, [slices[i]]));
                    }
                    else if (bytes > 0)
                        builder.DramWrite($"{label}/{op.Name}/{i}→dram", label, paths[group[i].Chiplet].Device.Id, group[i], bytes, [slices[i]]);
                }
                foreach (var o in op.Outputs) local[o] = arrivals;
            }
        }
        return builder.Build();
    }

    /// <summary>Cores ordered by how fast their design runs the model (stable, so ties keep the package order).</summary>
    private static ImmutableArray<(CoreRef Ref, Core Core)> Rank(Package package, ImmutableArray<(CoreRef Ref, Core Core)> cores,
        ModelGraph graph, IOperatorCostModel costModel)
    {
        var seconds = new Dictionary<Core, double>(ReferenceEqualityComparer.Instance);
        foreach (var (r, core) in cores)
            if (!seconds.ContainsKey(core))
            {
                var offChip = MemoryPath.Nearest(package, r.Chiplet).OffChipLevel(core);
                seconds[core] = graph.Operators.Sum(op => costModel.Evaluate(graph, op, core, offChip).Cycles) / core.FrequencyHz;
            }
        return [.. cores.OrderBy(c => seconds[c.Core])];
    }

    private static long WeightBytes(ModelGraph graph, LoopNest? slice)
    {
        if (slice?.Operands.FirstOrDefault(o => o.Role == OperandRole.Weight) is not { } w
            || graph.Tensors[w.Tensor].Kind != TensorKind.Parameter) return 0;
        return (slice.UniqueBits(w) + 7) / 8;
    }
}
