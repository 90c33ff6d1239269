using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Workloads;

namespace Tessera.Search.Scar;

/// <summary>
/// The cheap per-layer table SCAR prunes with: every operator of every model costed once per distinct chiplet design
/// of the package (operands on chip, as a pipelined segment runs them), plus prefix sums so that a contiguous run
/// of operators costs O(1), and the bytes live across each cut (what a segment boundary must move). Only pruning
/// uses it; every surviving candidate is simulated.
/// </summary>
public sealed class LayerCostTable
{
    private const double BitsPerByte = 8;
    private const double PicoToUnit = 1e-12;

    /// <summary>A level with unbounded bandwidth and no energy: the operands are already on chip.</summary>
    private static readonly MemoryLevel OnChipOnly = new("on-chip", long.MaxValue, double.PositiveInfinity, double.PositiveInfinity,
        0, 0, [OperandRole.Input, OperandRole.Weight, OperandRole.Output], [], SharedReadWritePort: true);

    private readonly double[][][] _secondsPrefix, _energyPrefix; // [model][design][op + 1]
    private readonly double[][] _weightPrefix, _cutBytes;         // [model][op + 1]
    private readonly int[] _designOfChiplet;
    private readonly MemoryPath[] _paths;
    private readonly (double Bw, double Latency, double Pj)[,] _hop;
    private readonly (double Bw, double Latency, double Pj) _oneHop;

    public LayerCostTable(Package package, IReadOnlyList<ModelInstance> models, IOperatorCostModel costModel)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(costModel);
        Package = package;
        Models = [.. models];
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
        _cutBytes = new double[models.Count][];
        var expected = ImmutableArray.CreateBuilder<ImmutableArray<double>>(models.Count);
        for (int m = 0; m < models.Count; m++)
        {
            var graph = models[m].Graph;
            var ops = graph.Operators;
            _secondsPrefix[m] = new double[designs.Count][];
            _energyPrefix[m] = new double[designs.Count][];
            var layerSeconds = new double[designs.Count][];
            for (int d = 0; d < designs.Count; d++)
            {
                var core = designs[d].Cores[0];
                var dram = _paths[Array.IndexOf(_designOfChiplet, d)];
                var seconds = _secondsPrefix[m][d] = new double[ops.Length + 1];
                var energy = _energyPrefix[m][d] = new double[ops.Length + 1];
                layerSeconds[d] = new double[ops.Length];
                // Mapping searches dominate the table's cost and are independent: run them in parallel (the cost model is thread-safe).
                var costs = new OperatorCost[ops.Length];
                Parallel.For(0, ops.Length, i => costs[i] = costModel.Evaluate(graph, ops[i], core, OnChipOnly));
                for (int i = 0; i < ops.Length; i++)
                {
                    double compute = costs[i].Cycles / core.FrequencyHz;
                    seconds[i + 1] = seconds[i] + compute;
                    energy[i + 1] = energy[i] + costs[i].Energy.TotalPj * PicoToUnit;
                    // SCAR's layer latency: input communication + compute + output communication (off chip, alone).
                    layerSeconds[d][i] = compute + graph.Statistics(ops[i]).TotalBytes / dram.BytesPerSecond;
                }
            }
            expected.Add([.. Enumerable.Range(0, ops.Length).Select(i => Enumerable.Range(0, designs.Count).Sum(d => Shares[d] * layerSeconds[d][i]))]);
            _weightPrefix[m] = new double[ops.Length + 1];
            for (int i = 0; i < ops.Length; i++)
                _weightPrefix[m][i + 1] = _weightPrefix[m][i] + graph.Statistics(ops[i]).ParameterBytes;
            _cutBytes[m] = CutBytes(graph);
        }
        ExpectedSeconds = expected.MoveToImmutable();
    }

    public Package Package { get; }

    public ImmutableArray<ModelInstance> Models { get; }

    /// <summary>The distinct chiplet designs of the package, in first-use order.</summary>
    public ImmutableArray<Chiplet> Designs { get; }

    /// <summary>Each design's share of the package's chiplets.</summary>
    public ImmutableArray<double> Shares { get; }

    /// <summary>SCAR's E[Lat(l)] per model and operator: Σ over designs of share × the layer's latency on that design.</summary>
    public ImmutableArray<ImmutableArray<double>> ExpectedSeconds { get; }

    public int DesignOf(int chiplet) => _designOfChiplet[chiplet];

    /// <summary>Per design, the chiplet (index) with the widest path to DRAM.</summary>
    public ImmutableArray<int> Representatives { get; }

    /// <summary>Energy (J) of operators [first, end) of a model on a design, whole batch, operands on chip.</summary>
    public double ComputeEnergy(int model, int design, int first, int end) =>
        _energyPrefix[model][design][end] - _energyPrefix[model][design][first];

    /// <summary>Compute seconds of operators [first, end) of a model on a design, whole batch.</summary>
    public double ComputeSeconds(int model, int design, int first, int end) =>
        _secondsPrefix[model][design][end] - _secondsPrefix[model][design][first];

    /// <summary>
    /// The estimated latency and energy of a model's segments on a path of chiplets in one window, pipelined over
    /// mini-batches: the slowest weight load, then Σ stage + (mini-batches − 1) × the slowest stage (SCAR's
    /// pipelining equation), where a stage is a segment's compute and input transfer for one mini-batch. The window's
    /// first segment reads its inputs from DRAM and the last writes its outputs there.
    /// </summary>
    /// <remarks>With <paramref name="oneHop"/> consecutive segments are taken as neighbours whatever the chiplets (segmentation
    /// scores before placement, on each design's best-connected chiplet).</remarks>
    public (double LatencySeconds, double EnergyJ) Estimate(int model, ReadOnlySpan<int> cuts, ReadOnlySpan<int> chiplets, int miniBatches,
        bool oneHop = false)
    {
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
