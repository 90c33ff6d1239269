using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>A contiguous run of a model's operators (topological order) on one core.</summary>
public sealed record PipelineSegment(CoreRef Core, int FirstOperator, int OperatorCount);

/// <summary>
/// Inter-chiplet pipelining (SCAR): each model's operators are cut into contiguous segments on different
/// chiplets; the batch is split into mini-batches that flow through them — a model's own mini-batch size in whole
/// samples when it has one, else <c>miniBatches</c> even parts (<see cref="MiniBatchSplit"/>). A segment loads its weights from
/// DRAM once; activations pass chiplet to chiplet over the package network; the first segment reads the
/// model inputs and segments write the model outputs to DRAM. Segments are given, or cut to balance compute
/// over the chiplets assigned to the model (neighbours in snake order, so consecutive segments are adjacent).
/// </summary>
public sealed class PipelinedPartitioner(IOperatorCostModel costModel, int miniBatches,
    ImmutableDictionary<string, ImmutableArray<PipelineSegment>>? segments = null) : IPartitioner
{
    public TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models)
    {
        var free = Snake(package);
        var plans = models.Select(m => segments is not null && segments.TryGetValue(m.Label, out var s)
            ? Check(m, s) : AutoSegments(package, models.Count, m, free)).ToList();
        var paths = MemoryPath.PerChiplet(package);
        var splits = models.Select(m => MiniBatchSplit.Of(m, miniBatches)).ToList();
        var builder = new TaskGraphBuilder(PartitionMode.Pipelined, models);
        var lastOnCore = new Dictionary<CoreRef, int>();
        int Last(CoreRef c) => lastOnCore.TryGetValue(c, out var t) ? t : -1;

        // Per model and segment: the segment of every operator, and the task that loads the segment's weights.
        var segmentOf = new Dictionary<string, int>[models.Count];
        var weightTask = new int[models.Count][];
        for (int m = 0; m < models.Count; m++)
        {
            var graph = models[m].Graph;
            segmentOf[m] = new(StringComparer.Ordinal);
            weightTask[m] = new int[plans[m].Length];
            for (int s = 0; s < plans[m].Length; s++)
            {
                var seg = plans[m][s];
                var ops = graph.Operators.Skip(seg.FirstOperator).Take(seg.OperatorCount).ToList();
                foreach (var op in ops) segmentOf[m][op.Name] = s;
                long weights = ops.SelectMany(o => o.Inputs).Distinct(StringComparer.Ordinal)
                    .Select(t => graph.Tensors[t]).Where(t => t.Kind == TensorKind.Parameter).Sum(t => t.Bytes);
                weightTask[m][s] = weights > 0
                    ? builder.DramRead($"{models[m].Label}/seg{s}/weights", models[m].Label, paths[seg.Core.Chiplet].Device.Id, seg.Core, weights, [])
                    : -1;
            }
        }

        int rounds = splits.Max(s => s.Count);
        for (int mb = 0; mb < rounds; mb++)
            for (int m = 0; m < models.Count; m++)
            {
                var (label, graph, split) = (models[m].Label, models[m].Graph, splits[m]);
                if (mb >= split.Count) continue;
                var produced = new Dictionary<string, int>(StringComparer.Ordinal); // tensor → task holding it on its producer's core
                var consumed = graph.Operators.SelectMany(o => o.Inputs).ToHashSet(StringComparer.Ordinal);
                for (int s = 0; s < plans[m].Length; s++)
                {
                    var seg = plans[m][s];
                    var device = paths[seg.Core.Chiplet].Device.Id;
                    var arrived = new Dictionary<string, int>(StringComparer.Ordinal); // tensor → task that brought it here
                    foreach (var op in graph.Operators.Skip(seg.FirstOperator).Take(seg.OperatorCount))
                    {
                        var deps = new List<int>();
                        foreach (var name in op.Inputs.Distinct(StringComparer.Ordinal))
                        {
                            var tensor = graph.Tensors[name];
                            if (tensor.Kind == TensorKind.Parameter) { deps.Add(weightTask[m][s]); continue; }
                            if (graph.Producers.TryGetValue(name, out var producer) && segmentOf[m][producer.Name] == s)
                            {
                                deps.Add(produced[name]);
                                continue;
                            }
                            if (!arrived.TryGetValue(name, out var task))
                            {
                                long bytes = split.Bytes(tensor.Bytes, mb);
                                // A segment takes in its next mini-batch when it is done with the previous one (SCAR's
                                // segment latency includes its input communication), so inputs follow the segment's order.
                                task = tensor.Kind == TensorKind.ModelInput
                                    ? builder.DramRead($"{label}/mb{mb}/seg{s}/{name}", label, device, seg.Core, bytes, [Last(seg.Core)], mb)
                                    : builder.Transfer($"{label}/mb{mb}/{name}→seg{s}", label,
                                        plans[m][segmentOf[m][graph.Producers[name].Name]].Core, seg.Core, bytes,
                                        [produced[name], Last(seg.Core)], miniBatch: mb);
                                arrived[name] = task;
                                lastOnCore[seg.Core] = task;
                            }
                            deps.Add(task);
                        }
                        deps.Add(Last(seg.Core));
                        long outBytes = op.Outputs.Sum(o => split.Bytes(graph.Tensors[o].Bytes, mb));
                        int id = builder.Compute($"{label}/mb{mb}/{op.Name}", label, seg.Core, op.Name,
                            op is ComputeOperator c ? split.Nest(c.Nest, mb, op.Name) : null,
                            op is ComputeOperator ? null : split.Work(LayerByLayerPartitioner.Work(graph, op), mb),
                            deps, new TensorRef($"{label}/mb{mb}/{op.Name}", outBytes), miniBatch: mb);
                        lastOnCore[seg.Core] = id;
                        foreach (var o in op.Outputs) produced[o] = id;
                        // Model outputs (no consumer) go back to DRAM.
                        foreach (var o in op.Outputs.Where(o => !consumed.Contains(o)))
                            lastOnCore[seg.Core] = builder.DramWrite($"{label}/mb{mb}/{o}→dram", label, device, seg.Core,
                                split.Bytes(graph.Tensors[o].Bytes, mb), [lastOnCore[seg.Core]], mb);
                    }
                }
            }
        return builder.Build(rounds) with { ModelMiniBatches = [.. splits.Select(s => s.Count)] };
    }

    private static ImmutableArray<PipelineSegment> Check(ModelInstance model, ImmutableArray<PipelineSegment> plan)
    {
        int next = 0;
        foreach (var s in plan)
        {
            if (s.FirstOperator != next || s.OperatorCount <= 0)
                throw new TesseraInputException($"pipeline segments of {model.Label} must cover its operators contiguously; segment at {s.FirstOperator} expected at {next}");
            next += s.OperatorCount;
        }
        if (next != model.Graph.Operators.Length)
            throw new TesseraInputException($"pipeline segments of {model.Label} cover {next} of {model.Graph.Operators.Length} operators");
        return plan;
    }

    /// <summary>Chiplets in snake order (rows alternate direction), so that neighbours in the list are adjacent on a grid.</summary>
    internal static List<ChipletInstance> Snake(Package package) =>
        [.. package.Chiplets.OrderBy(c => c.Y).ThenBy(c => c.Y % 2 == 0 ? c.X : -c.X)];

    /// <summary>
    /// A model's share of the chiplets — those whose design runs it within <see cref="SlowdownAllowed"/> of the
    /// fastest design, in snake order, taken exclusively while chiplets remain — with its operators cut
    /// so that each segment gets about equal compute.
    /// </summary>
    private ImmutableArray<PipelineSegment> AutoSegments(Package package, int modelCount, ModelInstance model, List<ChipletInstance> free)
    {
        var all = Snake(package);
        int share = Math.Max(1, all.Count / modelCount);
        var ops = model.Graph.Operators;
        var cyclesOf = new Dictionary<Chiplet, double[]>(ReferenceEqualityComparer.Instance);
        foreach (var chiplet in all)
            if (!cyclesOf.ContainsKey(chiplet.Design))
            {
                var core = chiplet.Design.Cores[0];
                var offChip = MemoryPath.Nearest(package, chiplet.Id).OffChipLevel(core);
                cyclesOf[chiplet.Design] = [.. ops.Select(op => costModel.Evaluate(model.Graph, op, core, offChip).Cycles / core.FrequencyHz)];
            }
        double best = cyclesOf.Values.Min(c => c.Sum());
        var pool = free.Count > 0 ? free : all;
        // Slow chiplets only when no fast one is left: a segment on them would be the pipeline's bottleneck.
        var mine = pool.Where(c => cyclesOf[c.Design].Sum() <= SlowdownAllowed * best).Take(share).ToList();
        if (mine.Count == 0) mine = [pool.OrderBy(c => cyclesOf[c.Design].Sum()).First()];
        foreach (var c in mine) free.Remove(c);
        // Keep the chosen chiplets in snake order so that consecutive segments stay close.
        mine = [.. mine.OrderBy(all.IndexOf)];

        int k = Math.Min(mine.Count, ops.Length);
        var cycles = cyclesOf[mine[0].Design];
        double total = cycles.Sum(), acc = 0;
        var result = ImmutableArray.CreateBuilder<PipelineSegment>();
        int first = 0;
        for (int i = 0; i < ops.Length; i++)
        {
            acc += cycles[i];
            int s = result.Count, left = ops.Length - i - 1, segmentsLeft = k - s - 1;
            bool balanced = acc >= total * (s + 1) / k && segmentsLeft > 0;
            if (i == ops.Length - 1 || (balanced && left >= segmentsLeft) || left == segmentsLeft && segmentsLeft > 0)
            {
                result.Add(new PipelineSegment(new CoreRef(mine[s].Id, 0), first, i - first + 1));
                first = i + 1;
            }
        }
        return result.ToImmutable();
    }

    /// <summary>How much slower than the best design a chiplet may run a model and still be preferred for it.</summary>
    private const double SlowdownAllowed = 2;
}
