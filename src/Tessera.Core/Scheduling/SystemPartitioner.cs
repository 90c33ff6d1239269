using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>
/// Placement across the levels of a system (a <see cref="SystemNode.Flatten"/>ed package; a plain package is a system
/// of one). Its packages are the groups of chiplets sharing a path prefix ("b0/p3/…"), in declaration order, which is
/// the nesting's depth-first order; they form <c>DataParallel</c> groups of <c>PipelineStages</c> consecutive
/// packages, so replicas fall on different boards or nodes when a group fills one. Replica r runs every model as its
/// own instance (label "model@r") on its share of the batch (the batch cut in dp parts). Stage boundaries cut a
/// model's operators (topological order) where the running share of parameter bytes plus work crosses k / stages,
/// which gives equal layers to equal stages for a transformer. Inside a stage each operator is split over the first
/// <c>TensorParallel</c> cores of the package (as <see cref="TensorParallelPartitioner"/>: MAC operators along an
/// output dimension, vector operators by elements), each slice streaming its operands from the memory nearest its
/// chiplet. Slices stay sharded until an operator needs the whole tensor (then <see cref="Collectives.RingAllGather"/>,
/// once): elementwise operators work on the shards, and a MAC operator reducing over the sharded axis runs row parallel
/// with an all-reduce of its partial sums, which pairs a transformer MLP's projections as Megatron-LM does. A tensor
/// produced in an earlier stage crosses to the next by point to point: rank j sends share j to rank j of the consuming
/// stage over the routes between the packages, then the stage all-gathers it. With
/// <c>microBatches</c> &gt; 1 each replica's batch is cut into that many micro-batches (<see cref="MiniBatchSplit"/>) that
/// enter the pipeline one after the other, so stage k works on micro-batch i while stage k + 1 works on i − 1 (GPipe's
/// schedule, Huang et al., NeurIPS 2019); every micro-batch streams the stage's weights again.
/// </summary>
/// <param name="tensorParallel">Cores per stage; null for every core of the smallest package.</param>
/// <param name="pipelineStages">Packages per replica; null for the packages ÷ the replicas.</param>
public sealed class SystemPartitioner(int? tensorParallel, int? pipelineStages, int dataParallel = 1, int microBatches = 1) : IPartitioner
{
    public TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models)
    {
        var packages = Packages(package);
        int dp = dataParallel, tp = tensorParallel ?? packages.Min(p => p.Length), stages = pipelineStages ?? packages.Count / Math.Max(1, dp);
        if (tp <= 0 || stages <= 0 || dp <= 0 || microBatches <= 0)
            throw new TesseraInputException($"tp {tp}, pp {stages}, dp {dp}, micro-batches {microBatches}; expected positive counts");
        if (stages * dp > packages.Count)
            throw new InfeasibleException($"{stages} pipeline stages × {dp} replicas need {stages * dp} packages; '{package.Name}' has {packages.Count}");
        var ranks = packages.Select(g => g.Take(tp).ToArray()).ToList();
        if (ranks.FirstOrDefault(r => r.Length < tp) is { } small)
            throw new InfeasibleException($"tensor parallelism over {tp} cores; package '{Prefix(small[0])}' has {small.Length}");
        var paths = MemoryPath.PerChiplet(package);
        var instances = Enumerable.Range(0, dp).SelectMany(r => models.Select(m => dp == 1 ? m : m with { Label = $"{m.Label}@r{r}" })).ToList();
        // Part p of a model's batch goes to replica p mod dp as its micro-batch p div dp.
        var splits = models.Select(m => MiniBatchSplit.Of(m, dp * microBatches)).ToList();
        for (int m = 0; m < models.Count; m++)
            if (splits[m].Count < dp)
                throw new InfeasibleException($"{models[m].Label}'s batch splits into {splits[m].Count} part(s), fewer than the {dp} replicas");
        var builder = new TaskGraphBuilder(PartitionMode.System, instances);
        var lastOnCore = new Dictionary<CoreRef, int>();
        int rounds = splits.Max(s => (s.Count + dp - 1) / dp);
        for (int mb = 0; mb < rounds; mb++)
            for (int r = 0; r < dp; r++)
                for (int m = 0; m < models.Count; m++)
                    if (mb * dp + r is var part && part < splits[m].Count)
                        new Placement(builder, instances[r * models.Count + m], [.. ranks.Skip(r * stages).Take(stages)], paths, lastOnCore,
                            splits[m], part, mb).Run();
        return builder.Build(rounds) with
        {
            ModelMiniBatches = [.. Enumerable.Range(0, dp).SelectMany(r => splits.Select(s => (s.Count - r + dp - 1) / dp))],
        };
    }

    /// <summary>The system's packages: its cores grouped by their chiplet's path prefix, in declaration order.</summary>
    private static List<CoreRef[]> Packages(Package package) =>
        [.. CoreRef.All(package).Select(c => c.Ref).GroupBy(Prefix, StringComparer.Ordinal).Select(g => g.ToArray())];

    private static string Prefix(CoreRef core) => core.Chiplet.LastIndexOf('/') is var slash and >= 0 ? core.Chiplet[..slash] : "";

    /// <summary>
    /// A tensor cut along one axis into parts, part j on rank j of a stage. The axis is counted from the last, as loop
    /// nests index a tensor whose leading axes they may flatten (a linear layer's rows are batch × tokens).
    /// </summary>
    private sealed record ShardLayout(int AxisFromLast, int Parts);

    private sealed record Sharded(ShardLayout Layout, int[] Slices);

    /// <summary>One micro-batch of one model instance over its stages' ranks.</summary>
    private sealed class Placement(TaskGraphBuilder builder, ModelInstance model, CoreRef[][] stageRanks,
        Dictionary<string, MemoryPath> paths, Dictionary<CoreRef, int> lastOnCore, MiniBatchSplit split, int part, int mb)
    {
        private readonly ModelGraph _graph = model.Graph;
        private readonly string _label = model.Label;
        private readonly string _name = split.Count == 1 ? model.Label : $"{model.Label}/mb{mb}";
        /// <summary>Per (tensor, stage): the task per rank after which the rank holds the whole tensor.</summary>
        private readonly Dictionary<(string, int), int[]> _held = [];
        /// <summary>Per (tensor, stage): a tensor kept as shards, rank j's part ready after task j.</summary>
        private readonly Dictionary<(string, int), Sharded> _sharded = [];
        private readonly Dictionary<string, int> _producedIn = new(StringComparer.Ordinal);

        public void Run()
        {
            var stageOf = Stages(_graph, stageRanks.Length);
            var consumed = _graph.Operators.SelectMany(o => o.Inputs).ToHashSet(StringComparer.Ordinal);
            for (int i = 0; i < _graph.Operators.Length; i++)
            {
                var op = _graph.Operators[i];
                int stage = stageOf[i];
                var ranks = stageRanks[stage];
                var nest = op is ComputeOperator c ? split.Nest(c.Nest, part, op.Name) : null;
                var work = nest is null ? split.Work(LayerByLayerPartitioner.Work(_graph, op), part) : null;
                long outBytes = op.Outputs.Sum(o => split.Bytes(_graph.Tensors[o].Bytes, part));
                var produced = op.Inputs.Distinct(StringComparer.Ordinal).Where(_producedIn.ContainsKey).ToList();
                // Row parallel: a MAC operator reducing over the sharded axis of its input computes partial sums on each shard.
                var row = nest is null ? null : RowParallel((ComputeOperator)op, nest, produced, stage);
                // An elementwise operator on shards of one layout works on its shard.
                var local = row is null && op is VectorOperator v ? Elementwise(v, produced, stage) : null;
                var layout = row?.Shard.Layout ?? local?.Layout;
                string? dimension = row?.Dimension ?? (nest is null ? null : Slicing.OutputDimension(nest));
                int parts = layout?.Parts ?? (nest is null ? ranks.Length : (int)Math.Min(ranks.Length, nest.Sizes[dimension!]));
                bool OnShards(string t) => layout is not null && _sharded.TryGetValue((t, stage), out var sh) && sh.Layout == layout;
                var whole = produced.Where(t => !OnShards(t)).Select(t => Whole(t, stage)).ToList();
                var shards = produced.Where(OnShards).Select(t => _sharded[(t, stage)].Slices).ToList();
                // Partial sums cover the whole output; a shard its part.
                long SliceBytes(int j) => row is not null ? outBytes : Slicing.Share(outBytes, parts, j);
                var slices = new int[parts];
                for (int j = 0; j < parts; j++)
                {
                    var core = ranks[j];
                    var deps = whole.Select(h => h[j]).Concat(shards.Select(h => h[j])).Append(lastOnCore.GetValueOrDefault(core, -1));
                    slices[j] = lastOnCore[core] = builder.Compute($"{_name}/{op.Name}/{j}", _label, core, op.Name,
                        nest is null ? null : Slicing.Slice(nest, dimension!, parts, j), work is null ? null : Slicing.Slice(work, parts, j),
                        deps, new TensorRef($"{_name}/{op.Name}/{j}", SliceBytes(j)), streamsFrom: paths[core.Chiplet].Device.Id, miniBatch: mb);
                }
                bool isConsumed = op.Outputs.Any(consumed.Contains);
                if (row is not null)
                {
                    // Partial sums: all-reduced when consumed, else reduce-scattered so each rank keeps its reduced share.
                    var reduced = isConsumed ? Collectives.RingAllReduce(builder, $"{_name}/{op.Name}/reduce", _label, ranks[..parts], outBytes, slices, mb)
                        : Collectives.RingReduceScatter(builder, $"{_name}/{op.Name}/reduce", _label, ranks[..parts], outBytes, slices, mb);
                    if (isConsumed) Hold(op, stage, Spread(op.Name, ranks, parts, reduced, outBytes));
                    continue;
                }
                if (!isConsumed) continue;
                var keep = layout ?? (nest is not null && parts > 1 && OutputLayout((ComputeOperator)op, dimension!, parts) is int axis ? new ShardLayout(axis, parts) : null);
                if (keep is not null && op.Outputs.Length == 1)
                {
                    // Kept sharded: gathered only when an operator needs it whole (a lazy all-gather).
                    _producedIn[op.Outputs[0]] = stage;
                    _sharded[(op.Outputs[0], stage)] = new Sharded(keep, slices);
                    continue;
                }
                Hold(op, stage, Spread(op.Name, ranks, parts, Collectives.RingAllGather(builder, $"{_name}/{op.Name}/gather", _label, ranks[..parts], outBytes, slices, mb), outBytes));
            }
        }

        /// <summary>Every rank's task after which it holds the whole tensor: ranks beyond the split take it from rank 0.</summary>
        private int[] Spread(string what, CoreRef[] ranks, int parts, int[] ready, long bytes) =>
            [.. Enumerable.Range(0, ranks.Length).Select(j => j < parts ? ready[j]
                : builder.Transfer($"{_name}/{what}→{ranks[j]}", _label, ranks[0], ranks[j], bytes, [ready[0]], miniBatch: mb))];

        private void Hold(Operator op, int stage, int[] all)
        {
            foreach (var o in op.Outputs)
            {
                _producedIn[o] = stage;
                _held[(o, stage)] = all;
            }
        }

        /// <summary>
        /// The tensor axis a column-parallel MAC operator's output is split along: the output axis indexed by the split
        /// dimension alone, over the whole tensor; null when the output has no such axis (it is gathered at once).
        /// </summary>
        private int? OutputLayout(ComputeOperator op, string dimension, int parts)
        {
            var output = op.Nest.Operand(OperandRole.Output);
            for (int k = 0; k < output.Axes.Length; k++)
                if (Dimension(output, _graph.Tensors[output.Tensor], k, op.Nest) == dimension) return op.Nest.Sizes[dimension] >= parts ? k : null;
            return null;
        }

        /// <summary>
        /// The loop dimension alone indexing the tensor's axis <paramref name="fromLast"/> (counted from the last), one to one
        /// and over the whole axis; null when the axis is a sum of terms, padded, flattened or absent.
        /// </summary>
        private static string? Dimension(LoopOperand operand, Tensor tensor, int fromLast, LoopNest nest)
        {
            int a = operand.Axes.Length - 1 - fromLast, t = tensor.Shape.Length - 1 - fromLast;
            if (a < 0 || t < 0 || operand.Axes[a] is not { Padding: 0, Terms: [{ Coefficient: 1 } term] }) return null;
            return nest.Sizes[term.Dimension] == tensor.Shape[t] ? term.Dimension : null;
        }

        /// <summary>
        /// Megatron's row-parallel layer (Shoeybi et al., 2019): the one produced input that is sharded here along an axis
        /// the operator reduces over (a dimension its output does not index); each rank takes the matching slice of the
        /// reduction and the weights, and the partial sums are reduced. Null when no input qualifies.
        /// </summary>
        private (Sharded Shard, string Dimension)? RowParallel(ComputeOperator op, LoopNest nest, List<string> produced, int stage)
        {
            var sharded = produced.Where(t => _sharded.ContainsKey((t, stage))).ToList();
            if (sharded.Count != 1) return null;
            var shard = _sharded[(sharded[0], stage)];
            var operand = nest.Operands.FirstOrDefault(o => o.Role != OperandRole.Output && o.Tensor == sharded[0]);
            var dimension = operand is null ? null : Dimension(operand, _graph.Tensors[sharded[0]], shard.Layout.AxisFromLast, nest);
            bool reduction = dimension is not null && !nest.Operand(OperandRole.Output).RelevantDimensions.Contains(dimension);
            return reduction ? (shard, dimension!) : null;
        }

        /// <summary>
        /// The layout an elementwise operator (an activation, or an elementwise operation on same-shaped tensors) keeps:
        /// its sharded inputs' one layout, when every sharded input has the output's shape; a whole input is sliced in
        /// place. Null when no input is sharded here or the layouts differ.
        /// </summary>
        private Sharded? Elementwise(VectorOperator op, List<string> produced, int stage)
        {
            if (op.Kind is not (VectorKind.Elementwise or VectorKind.Activation) || op.Outputs.Length != 1) return null;
            var shape = _graph.Tensors[op.Outputs[0]].Shape;
            var sharded = produced.Where(t => _sharded.ContainsKey((t, stage))).Select(t => (t, _sharded[(t, stage)])).ToList();
            if (sharded.Count == 0 || sharded.Any(s => s.Item2.Layout != sharded[0].Item2.Layout)) return null;
            if (op.Inputs.Any(t => _graph.Tensors[t].Kind != TensorKind.Parameter && !_graph.Tensors[t].Shape.SequenceEqual(shape))) return null;
            return sharded[0].Item2;
        }

        /// <summary>The tasks after which each rank of <paramref name="stage"/> holds a tensor whole, gathering a shard once.</summary>
        private int[] Whole(string tensor, int stage)
        {
            if (_held.TryGetValue((tensor, stage), out var here)) return here;
            if (_sharded.TryGetValue((tensor, stage), out var shard))
            {
                var ranks = stageRanks[stage];
                long bytes = split.Bytes(_graph.Tensors[tensor].Bytes, part);
                var gathered = Collectives.RingAllGather(builder, $"{_name}/{tensor}/gather", _label, ranks[..shard.Layout.Parts], bytes, shard.Slices, mb);
                return _held[(tensor, stage)] = Spread(tensor, ranks, shard.Layout.Parts, gathered, bytes);
            }
            int from = _producedIn[tensor];
            var source = Whole(tensor, from);
            var (sourceRanks, target) = (stageRanks[from], stageRanks[stage]);
            long size = split.Bytes(_graph.Tensors[tensor].Bytes, part);
            var shares = Enumerable.Range(0, target.Length).Select(j => builder.Transfer($"{_name}/{tensor}/stage{from}→{stage}/{j}", _label,
                sourceRanks[j % sourceRanks.Length], target[j], Slicing.Share(size, target.Length, j), [source[j % sourceRanks.Length]], miniBatch: mb)).ToArray();
            return _held[(tensor, stage)] = Collectives.RingAllGather(builder, $"{_name}/{tensor}/stage{stage}/gather", _label, target, size, shares, mb);
        }

        /// <summary>
        /// The stage of every operator: contiguous runs of equal shares of parameter bytes plus work (MACs, or the vector
        /// operations of a non-MAC operator), each measure as a fraction of the model's total.
        /// </summary>
        private static int[] Stages(ModelGraph graph, int stages)
        {
            var ops = graph.Operators;
            var parameters = ops.Select(o => (double)graph.Statistics(o).ParameterBytes).ToArray();
            var work = ops.Select(o => o is ComputeOperator c ? c.Nest.Macs : graph.Statistics(o).VectorOperations).ToArray();
            double totalParameters = parameters.Sum(), totalWork = work.Sum();
            var shares = ops.Select((_, i) => (totalParameters > 0 ? parameters[i] / totalParameters : 0) + (totalWork > 0 ? work[i] / totalWork : 0))
                .Select(x => ops.Length > 0 && totalParameters + totalWork == 0 ? 1.0 / ops.Length : x).ToArray();
            double total = shares.Sum();
            var result = new int[ops.Length];
            double done = 0;
            for (int i = 0; i < ops.Length; i++)
            {
                // An operator belongs to the stage its midpoint falls in.
                result[i] = Math.Min(stages - 1, (int)((done + shares[i] / 2) / total * stages));
                done += shares[i];
            }
            return result;
        }
    }
}
