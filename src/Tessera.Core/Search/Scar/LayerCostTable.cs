using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Workloads;

namespace Tessera.Search.Scar;

/// <summary>
/// The cheap per-layer table SCAR prunes with: every operator of every model costed once per distinct chiplet design
/// of the package (operands on chip, as a pipelined segment runs them), plus prefix sums so that a contiguous run
/// of layers costs O(1), and the bytes live across each cut (what a segment boundary must move). Only pruning
/// uses it; every surviving candidate is simulated. Its layers are the models' layers under a <see cref="LayerView"/>
/// (every operator, or SCAR's layers with non-MAC operators folded in): windows and segments are cut between them,
/// and <see cref="OperatorOf"/> translates back to operators. A layer no mapping fits on a design costs infinity there,
/// so segments avoid that design; a layer that fits no design makes the run infeasible.
/// </summary>
public sealed class LayerCostTable
{
    private const double BitsPerByte = 8;
    private const double PicoToUnit = 1e-12;

    /// <summary>A level with unbounded bandwidth and no energy: the operands are already on chip.</summary>
    private static readonly MemoryLevel OnChipOnly = new("on-chip", long.MaxValue, double.PositiveInfinity, double.PositiveInfinity,
        0, 0, [OperandRole.Input, OperandRole.Weight, OperandRole.Output], [], SharedReadWritePort: true);

    private readonly double[][][] _secondsPrefix, _energyPrefix; // [model][design][layer + 1]
    private readonly double[][] _weightPrefix, _cutBytes;         // [model][layer + 1]
    private readonly int[][][] _unmappablePrefix;                 // [model][design][layer + 1]: operators no mapping fits
    private readonly int[][] _starts;                             // [model][layer + 1]: the first operator of each layer, then the count
    private readonly MiniBatchSplit[] _splits;
    private readonly int[] _designOfChiplet;
    private readonly MemoryPath[] _paths;
    private readonly (double Bw, double Latency, double Pj)[,] _hop;
    private readonly (double Bw, double Latency, double Pj) _oneHop;

    /// <summary>
    /// The table of <paramref name="models"/> on <paramref name="package"/>; a model without a mini-batch size of its own
    /// is pipelined in <paramref name="miniBatches"/> even parts.
    /// </summary>
    public LayerCostTable(Package package, IReadOnlyList<ModelInstance> models, IOperatorCostModel costModel, int miniBatches = 1,
        LayerView view = LayerView.Operators)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(costModel);
        Package = package;
        Models = [.. models];
        _splits = [.. models.Select(m => MiniBatchSplit.Of(m, miniBatches))];
        _starts = [.. models.Select(m => LayerViews.Starts(m.Graph, view))];
        var designs = new List<Chiplet>();
        _designOfChiplet = new int[package.Chiplets.Length];
        for (int c = 0; c < package.Chiplets.Length; c++)
        {
            var design = package.Chiplets[c].Design;
            int index = designs.FindIndex(d => ReferenceEquals(d, design) || d == design);
            if (index < 0) { index = designs.Count; designs.Add(design); }
            _designOfChiplet[c] = index;
        }
        Designs = [.. designs];
        Shares = [.. Enumerable.Range(0, designs.Count).Select(d => _designOfChiplet.Count(x => x == d) / (double)package.Chiplets.Length)];
        var paths = MemoryPath.PerChiplet(package);
        _paths = [.. package.Chiplets.Select(c => paths[c.Id])];
        int n = package.Chiplets.Length;
        _hop = new (double, double, double)[n, n];
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                var route = package.Route(package.Chiplets[a].Id, package.Chiplets[b].Id) ?? [];
                _hop[a, b] = route.IsEmpty ? (double.PositiveInfinity, 0, 0)
                    : (route.Min(l => l.BandwidthBytesPerSecond), route.Sum(l => l.LatencySeconds), route.Sum(l => l.EnergyPerBitPj));
            }

        var links = package.Links.Where(l => l.From != l.To && package.Chiplets.Any(c => c.Id == l.From) && package.Chiplets.Any(c => c.Id == l.To)).ToList();
        _oneHop = links.Count == 0 ? (double.PositiveInfinity, 0, 0)
            : (links.Max(l => l.BandwidthBytesPerSecond), links.Min(l => l.LatencySeconds), links.Min(l => l.EnergyPerBitPj));
        // Each design's best-connected chiplet (widest DRAM path, then the first): where segmentation assumes it runs.
        Representatives = [.. Enumerable.Range(0, designs.Count).Select(d => Enumerable.Range(0, n).Where(c => _designOfChiplet[c] == d)
            .OrderByDescending(c => _paths[c].BytesPerSecond).ThenBy(c => _paths[c].LatencySeconds).ThenBy(c => c).First())];
        _secondsPrefix = new double[models.Count][][];
        _energyPrefix = new double[models.Count][][];
        _weightPrefix = new double[models.Count][];
        _unmappablePrefix = new int[models.Count][][];
        _cutBytes = new double[models.Count][];
        var expected = ImmutableArray.CreateBuilder<ImmutableArray<double>>(models.Count);
        for (int m = 0; m < models.Count; m++)
        {
            var graph = models[m].Graph;
            var ops = graph.Operators;
            var starts = _starts[m];
            int layers = starts.Length - 1;
            _secondsPrefix[m] = new double[designs.Count][];
            _energyPrefix[m] = new double[designs.Count][];
            _unmappablePrefix[m] = new int[designs.Count][];
            var unmappable = new List<(int Operator, string Reason)>();
            var layerSeconds = new double[designs.Count][];
            for (int d = 0; d < designs.Count; d++)
            {
                var core = designs[d].Cores[0];
                var dram = _paths[Array.IndexOf(_designOfChiplet, d)];
                var seconds = new double[ops.Length + 1];
                var energy = new double[ops.Length + 1];
                layerSeconds[d] = new double[layers];
                // Mapping searches dominate the table's cost and are independent: run them in parallel (the cost model is thread-safe).
                var costs = new OperatorCost?[ops.Length];
                var reasons = new string?[ops.Length];
                Parallel.For(0, ops.Length, i =>
                {
                    try { costs[i] = costModel.Evaluate(graph, ops[i], core, OnChipOnly); }
                    catch (InfeasibleException e) { reasons[i] = $"{ops[i].Name} on {designs[d].Name}: {e.Message}"; }
                });
                var blocked = new int[ops.Length + 1];
                for (int i = 0; i < ops.Length; i++)
                {
                    seconds[i + 1] = seconds[i] + (costs[i]?.Cycles ?? 0) / core.FrequencyHz;
                    energy[i + 1] = energy[i] + (costs[i]?.Energy.TotalPj ?? 0) * PicoToUnit;
                    blocked[i + 1] = blocked[i] + (costs[i] is null ? 1 : 0);
                    if (reasons[i] is { } reason) unmappable.Add((i, reason));
                }
                // SCAR's layer latency: input communication + compute + output communication (off chip, alone); a layer
                // folded from several operators communicates what its operators read and write.
                for (int l = 0; l < layers; l++)
                    for (int i = starts[l]; i < starts[l + 1]; i++)
                        layerSeconds[d][l] += (seconds[i + 1] - seconds[i]) + graph.Statistics(ops[i]).TotalBytes / dram.BytesPerSecond;
                _secondsPrefix[m][d] = AtStarts(seconds, starts);
                _energyPrefix[m][d] = AtStarts(energy, starts);
                _unmappablePrefix[m][d] = [.. starts.Select(i => blocked[i])];
            }
            // E[Lat(l)] over the designs that can run the layer, their shares renormalised.
            var layerExpected = new double[layers];
            for (int l = 0; l < layers; l++)
            {
                var able = Enumerable.Range(0, designs.Count).Where(d => _unmappablePrefix[m][d][l + 1] == _unmappablePrefix[m][d][l]).ToList();
                if (able.Count == 0)
                    throw new InfeasibleException($"{models[m].Label}: a layer fits no chiplet design of {package.Name}: " +
                        string.Join("; ", unmappable.Where(u => u.Operator >= starts[l] && u.Operator < starts[l + 1]).Select(u => u.Reason)));
                layerExpected[l] = able.Sum(d => Shares[d] * layerSeconds[d][l]) / able.Sum(d => Shares[d]);
            }
            expected.Add([.. layerExpected]);
            var weights = new double[ops.Length + 1];
            for (int i = 0; i < ops.Length; i++)
                weights[i + 1] = weights[i] + graph.Statistics(ops[i]).ParameterBytes;
            _weightPrefix[m] = AtStarts(weights, starts);
            _cutBytes[m] = AtStarts(CutBytes(graph), starts);
        }
        ExpectedSeconds = expected.MoveToImmutable();
    }

    public Package Package { get; }

    public ImmutableArray<ModelInstance> Models { get; }

    /// <summary>The distinct chiplet designs of the package, in first-use order.</summary>
    public ImmutableArray<Chiplet> Designs { get; }

    /// <summary>Each design's share of the package's chiplets.</summary>
    public ImmutableArray<double> Shares { get; }

    /// <summary>SCAR's E[Lat(l)] per model and layer: Σ over designs of share × the layer's latency on that design.</summary>
    public ImmutableArray<ImmutableArray<double>> ExpectedSeconds { get; }

    /// <summary>The model's first operator of <paramref name="layer"/>; the operator count for the layer count.</summary>
    public int OperatorOf(int model, int layer) => _starts[model][layer];

    /// <summary>The operators of a range of layers.</summary>
    public LayerRange Operators(int model, LayerRange layers) =>
        new(_starts[model][layers.First], _starts[model][layers.End] - _starts[model][layers.First]);

    /// <summary>How many mini-batches the model's batch makes, b ÷ b′ (a real number when b′ does not divide b).</summary>
    public double MiniBatches(int model) => _splits[model].Ratio;

    public int DesignOf(int chiplet) => _designOfChiplet[chiplet];

    /// <summary>Per design, the chiplet (index) with the widest path to DRAM.</summary>
    public ImmutableArray<int> Representatives { get; }

    /// <summary>Energy (J) of layers [first, end) of a model on a design, whole batch, operands on chip.</summary>
    public double ComputeEnergy(int model, int design, int first, int end) =>
        _energyPrefix[model][design][end] - _energyPrefix[model][design][first];

    /// <summary>Compute seconds of layers [first, end) of a model on a design, whole batch; infinity when one of them fits no mapping there.</summary>
    public double ComputeSeconds(int model, int design, int first, int end) =>
        _unmappablePrefix[model][design][end] > _unmappablePrefix[model][design][first] ? double.PositiveInfinity
            : _secondsPrefix[model][design][end] - _secondsPrefix[model][design][first];

    /// <summary>
    /// The estimated latency and energy of a model's segments (cuts in layers) on a path of chiplets in one window,
    /// pipelined over mini-batches: the slowest weight load, then SCAR's pipelining equation Σ_k stage_k + (b/b′ − 1) ×
    /// max_k stage_k, where stage_k is segment k's compute and input transfer for one mini-batch of b′ samples (the
    /// table's costs scale with the batch, so b′/b of the batch's). The window's first segment reads its inputs from
    /// DRAM and the last writes its outputs there.
    /// </summary>
    /// <remarks>With <paramref name="oneHop"/> consecutive segments are taken as neighbours whatever the chiplets (segmentation
    /// scores before placement, on each design's best-connected chiplet).</remarks>
    public (double LatencySeconds, double EnergyJ) Estimate(int model, ReadOnlySpan<int> cuts, ReadOnlySpan<int> chiplets, bool oneHop = false)
    {
        double miniBatches = MiniBatches(model);
        double sum = 0, slowest = 0, load = 0, energy = 0;
        int segments = chiplets.Length;
        for (int s = 0; s < segments; s++)
        {
            int first = cuts[s], end = cuts[s + 1], c = chiplets[s], d = _designOfChiplet[c];
            var dram = _paths[c];
            double dramPj = dram.Device.EnergyPerBitPj + dram.LinkEnergyPerBitPj;
            double weights = _weightPrefix[model][end] - _weightPrefix[model][first];
            load = Math.Max(load, weights / dram.BytesPerSecond + dram.LatencySeconds);
            energy += weights * BitsPerByte * dramPj * PicoToUnit;
            double inBytes = _cutBytes[model][first], seconds;
            if (s == 0)
            {
                seconds = inBytes / dram.BytesPerSecond + dram.LatencySeconds;
                energy += inBytes * BitsPerByte * dramPj * PicoToUnit;
            }
            else
            {
                var (bw, latency, pj) = oneHop ? _oneHop : _hop[chiplets[s - 1], c];
                seconds = inBytes / bw + latency;
                energy += inBytes * BitsPerByte * pj * PicoToUnit;
            }
            if (s == segments - 1)
            {
                double outBytes = _cutBytes[model][end];
                seconds += outBytes / dram.BytesPerSecond;
                energy += outBytes * BitsPerByte * dramPj * PicoToUnit;
            }
            double stage = (ComputeSeconds(model, d, first, end) + seconds) / miniBatches;
            energy += _energyPrefix[model][d][end] - _energyPrefix[model][d][first];
            sum += stage;
            slowest = Math.Max(slowest, stage);
        }
        return (load + sum + (miniBatches - 1) * slowest, energy);
    }

    /// <summary>The values of an operator-indexed prefix array at the layers' first operators (and at the end).</summary>
    private static double[] AtStarts(double[] prefix, int[] starts) => [.. starts.Select(i => prefix[i])];

    /// <summary>
    /// Bytes live across each cut i (between operators i − 1 and i): tensors read at or after i that are model inputs
    /// or produced before i. Cut n adds the outputs nothing reads (the model's results).
    /// </summary>
    private static double[] CutBytes(ModelGraph graph)
    {
        var ops = graph.Operators;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < ops.Length; i++) index[ops[i].Name] = i;
        var delta = new double[ops.Length + 2];
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < ops.Length; i++)
            foreach (var t in ops[i].Inputs)
                if (graph.Tensors[t].Kind != TensorKind.Parameter) lastUse[t] = i;
        foreach (var (name, last) in lastUse)
        {
            // Live over cuts producer + 1 .. last (inputs from cut 0).
            int from = graph.Producers.TryGetValue(name, out var producer) ? index[producer.Name] + 1 : 0;
            if (from > last) continue;
            delta[from] += graph.Tensors[name].Bytes;
            delta[last + 1] -= graph.Tensors[name].Bytes;
        }
        var cuts = new double[ops.Length + 1];
        double live = 0;
        for (int i = 0; i <= ops.Length; i++) cuts[i] = live += delta[i];
        foreach (var op in ops)
            foreach (var o in op.Outputs.Where(o => !lastUse.ContainsKey(o)))
                cuts[ops.Length] += graph.Tensors[o].Bytes;
        return cuts;
    }
}
