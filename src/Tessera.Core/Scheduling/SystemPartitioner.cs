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
/// chiplet, and the slices are all-gathered over the package's links (<see cref="Collectives.RingAllGather"/>). A
/// tensor produced in an earlier stage crosses to the next by point to point: rank j sends share j to rank j of the
/// consuming stage over the routes between the packages, then the stage all-gathers it. With
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

    /// <summary>One micro-batch of one model instance over its stages' ranks.</summary>
    private sealed class Placement(TaskGraphBuilder builder, ModelInstance model, CoreRef[][] stageRanks,
        Dictionary<string, MemoryPath> paths, Dictionary<CoreRef, int> lastOnCore, MiniBatchSplit split, int part, int mb)
    {
        private readonly ModelGraph _graph = model.Graph;
        private readonly string _label = model.Label;
        private readonly string _name = split.Count == 1 ? model.Label : $"{model.Label}/mb{mb}";
        /// <summary>Per (tensor, stage): the task per rank after which the rank holds the whole tensor.</summary>
        private readonly Dictionary<(string, int), int[]> _held = [];
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
                string? dimension = nest is null ? null : Slicing.OutputDimension(nest);
                int parts = nest is null ? ranks.Length : (int)Math.Min(ranks.Length, nest.Sizes[dimension!]);
                var work = nest is null ? split.Work(LayerByLayerPartitioner.Work(_graph, op), part) : null;
                var inputs = op.Inputs.Distinct(StringComparer.Ordinal).Where(_producedIn.ContainsKey).Select(t => Held(t, stage)).ToList();
                long outBytes = op.Outputs.Sum(o => split.Bytes(_graph.Tensors[o].Bytes, part));
                var slices = new int[parts];
                for (int j = 0; j < parts; j++)
                {
                    var core = ranks[j];
                    var deps = inputs.Select(h => h[j]).Append(lastOnCore.GetValueOrDefault(core, -1));
                    slices[j] = lastOnCore[core] = builder.Compute($"{_name}/{op.Name}/{j}", _label, core, op.Name,
                        nest is null ? null : Slicing.Slice(nest, dimension!, parts, j), work is null ? null : Slicing.Slice(work, parts, j),
                        deps, new TensorRef($"{_name}/{op.Name}/{j}", Slicing.Share(outBytes, parts, j)), streamsFrom: paths[core.Chiplet].Device.Id, miniBatch: mb);
                }
                if (!op.Outputs.Any(consumed.Contains)) continue;
                var gathered = Collectives.RingAllGather(builder, $"{_name}/{op.Name}/gather", _label, ranks[..parts], outBytes, slices, mb);
                // Ranks beyond the split (an operator narrower than the stage) take the whole tensor from rank 0.
                var all = Enumerable.Range(0, ranks.Length).Select(j => j < parts ? gathered[j]
                    : builder.Transfer($"{_name}/{op.Name}→{ranks[j]}", _label, ranks[0], ranks[j], outBytes, [gathered[0]], miniBatch: mb)).ToArray();
                foreach (var o in op.Outputs)
                {
                    _producedIn[o] = stage;
                    _held[(o, stage)] = all;
                }
            }
        }

        /// <summary>The tasks after which each rank of <paramref name="stage"/> holds a tensor, bringing it from its stage once.</summary>
        private int[] Held(string tensor, int stage)
        {
            if (_held.TryGetValue((tensor, stage), out var here)) return here;
            int from = _producedIn[tensor];
            var (source, target) = (stageRanks[from], stageRanks[stage]);
            long bytes = split.Bytes(_graph.Tensors[tensor].Bytes, part);
            var shares = Enumerable.Range(0, target.Length).Select(j => builder.Transfer($"{_name}/{tensor}/stage{from}→{stage}/{j}", _label,
                source[j % source.Length], target[j], Slicing.Share(bytes, target.Length, j), [_held[(tensor, from)][j % source.Length]], miniBatch: mb)).ToArray();
            return _held[(tensor, stage)] = Collectives.RingAllGather(builder, $"{_name}/{tensor}/stage{stage}/gather", _label, target, bytes, shares, mb);
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
