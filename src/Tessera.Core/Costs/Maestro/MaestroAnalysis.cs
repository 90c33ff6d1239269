using Tessera.Diagnostics;
using Tessera.Hardware.Maestro;

namespace Tessera.Costs.Maestro;

/// <summary>
/// MAESTRO's analysis of one layer under one dataflow (Kwon et al., MICRO 2019), re-implemented from the description in
/// reference/maestro.md and checked layer by layer against MAESTRO's outputs. The directives are split into cluster
/// levels (each <c>Cluster</c> closes one); every level's iteration space is enumerated as cases (each directive at its
/// first, steady or edge step); per case the reuse analysis gives the traffic down and up each level's NoC and the
/// MACs; a level's case costs the slowest of ingress, egress and compute (double buffering), compute being the level
/// below's runtime on that case's tile; the top level also waits for the off-chip bandwidth.
/// </summary>
public sealed class MaestroAnalysis
{
    internal MaestroArithmetic Arithmetic { get; }
    private readonly string[] _names;
    private readonly long[] _strides, _full;
    private readonly int[] _output, _window;
    private readonly int[][] _tensors;
    private readonly MaestroHardware _hardware;
    private readonly List<MaestroLevel> _levels = [];
    private readonly Dictionary<string, (long Runtime, double ActivePes)>[] _memo;

    private const int InputTensor = 0, WeightTensor = 1, OutputTensor = 2;
    private static readonly int[] Inputs = [InputTensor, WeightTensor];

    /// <summary>The output dimension (Y', X') of a sliding input dimension (Y, X), or null.</summary>
    internal int? OutputOf(int dim) => _output[dim] >= 0 ? _output[dim] : null;

    /// <summary>The window dimension (R, S) that slides over an input dimension.</summary>
    internal int WindowOf(int dim) => _window[dim];

    /// <summary>
    /// Input elements between neighbouring outputs: 1 in MAESTRO, which ignores the stride inside a tile; the stride (the
    /// window when it is narrower than the stride, whose untouched columns the corrected arithmetic leaves out) otherwise.
    /// </summary>
    internal long OutputStep(int dim) => Arithmetic == MaestroArithmetic.Upstream ? 1 : Math.Min(_strides[dim], _full[_window[dim]]);

    /// <summary>
    /// Analyses a layer. Errors name <paramref name="source"/> (a file, whose line and column the directives carry, or the
    /// core), the layer and the directive; with <paramref name="strict"/> (user-given directives) every used dimension must
    /// be mapped and cluster sizes must divide the PE count.
    /// </summary>
    public static MaestroResult Run(MaestroLayer layer, IReadOnlyList<MaestroDirective> directives, MaestroHardware hardware,
        MaestroArithmetic arithmetic, string source, bool strict)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(directives);
        ArgumentNullException.ThrowIfNull(hardware);
        var analysis = new MaestroAnalysis(layer, directives, hardware, arithmetic, source, strict);
        return analysis.Top();
    }

    private MaestroAnalysis(MaestroLayer layer, IReadOnlyList<MaestroDirective> directives, MaestroHardware hardware,
        MaestroArithmetic arithmetic, string source, bool strict)
    {
        Arithmetic = arithmetic;
        var where = $"{source}: layer '{layer.Name}'";
        _hardware = hardware;
        var names = layer.Dimensions.Select(d => d.Name).ToList();
        bool Has(string n) => names.Contains(n);
        if (Has("Y") && Has("R")) names.Add("Y'");
        if (Has("X") && Has("S")) names.Add("X'");
        _names = [.. names];
        int dims = _names.Length;
        (_strides, _full, _output, _window) = (new long[dims], new long[dims], new int[dims], new int[dims]);
        Array.Fill(_output, -1);
        Array.Fill(_window, -1);
        for (int i = 0; i < layer.Dimensions.Length; i++)
        {
            _full[i] = layer.Dimensions[i].Size;
            _strides[i] = layer.Strides.TryGetValue(_names[i], out var s) ? s : 1;
        }
        foreach (var (input, output, window) in new[] { ("Y", "Y'", "R"), ("X", "X'", "S") })
        {
            if (!Has(output)) continue;
            int i = Id(input), o = Id(output), w = Id(window);
            (_output[i], _window[i]) = (o, w);
            if (_full[i] < _full[w])
                throw TesseraInputException.At(where, $"{input} = {_full[i]} input rows/columns are fewer than the window {window} = {_full[w]}");
            if (arithmetic == MaestroArithmetic.Upstream) _full[o] = _full[i] - _full[w] + 1;
            else
            {
                // Outputs follow the stride; a window narrower than the stride never reads the columns in between.
                _full[o] = (_full[i] - _full[w]) / _strides[i] + 1;
                _full[i] = (_full[o] - 1) * OutputStep(i) + _full[w];
            }
        }
        _tensors = [.. layer.TensorDimensions.Select(t => t.Where(Has).Select(Id).ToArray())];
        BuildLevels(layer, directives, source, strict);
        _memo = [.. _levels.Select(_ => new Dictionary<string, (long, double)>(StringComparer.Ordinal))];
    }

    private int Id(string name) => Array.IndexOf(_names, name);

    private void BuildLevels(MaestroLayer layer, IReadOnlyList<MaestroDirective> directives, string source, bool strict)
    {
        string At(MaestroDirective d) => d.Line > 0 ? $"{source}:{d.Line}:{d.Column}: layer '{layer.Name}', directive '{d}'"
            : $"{source}: layer '{layer.Name}', directive '{d}'";
        long Size(MaestroDirective d, MaestroSize size)
        {
            long value = size.Resolve(n => layer.SizeOf(n) is > 0 and var s ? s
                : throw TesseraInputException.At(At(d), $"Sz({n}) names no dimension of layer '{layer.Name}'; expected one of {string.Join(", ", layer.Dimensions.Select(x => x.Name))}"),
                d.Dimension.TrimEnd('\''));
            return value > 0 ? value : throw TesseraInputException.At(At(d), $"size {size} is {value}; expected a positive size");
        }

        var clusters = directives.Where(d => d.Kind == MaestroDirectiveKind.Cluster).Select(d => (Directive: d, Size: Size(d, d.Size))).ToList();
        long upper = clusters.Aggregate(1L, (p, c) => p * c.Size);
        int pes = _hardware.ProcessingElements;
        if (pes / upper == 0)
            throw TesseraInputException.At(At(clusters[^1].Directive), $"clusters of {upper} PEs in all exceed the {pes} PEs");
        if (strict && pes % upper != 0)
            throw TesseraInputException.At(At(clusters[^1].Directive), $"clusters of {upper} PEs in all do not divide the {pes} PEs; expected cluster sizes whose product divides the PE count");
        var resolved = new List<(MaestroDirective Source, bool Spatial, int Dim, long Size, long Offset)>();
        foreach (var d in directives.Where(d => d.Kind != MaestroDirectiveKind.Cluster))
        {
            int dim = Id(d.Dimension);
            if (dim < 0)
                throw TesseraInputException.At(At(d), $"maps dimension {d.Dimension}, which layer '{layer.Name}' does not have; expected one of {string.Join(", ", _names)}");
            long size = Size(d, d.Size), offset = Size(d, d.Offset);
            if (d.Kind == MaestroDirectiveKind.TemporalMap && d.Dimension is "R" or "S" && (size != _full[dim] || offset != _full[dim]))
                throw TesseraInputException.At(At(d), $"a temporal map of {d.Dimension} must take the whole dimension ({_full[dim]}) as size and offset");
            resolved.Add((d, d.Kind == MaestroDirectiveKind.SpatialMap, dim, size, offset));
        }
        if (strict) CheckCoverage(layer, directives, resolved.Select(r => r.Dim).ToHashSet(), source);

        // Each Cluster closes a level; a last one closes the innermost.
        var inputs = _tensors[InputTensor].Concat(_tensors[WeightTensor]).Distinct().OrderBy(i => _names[i], StringComparer.Ordinal).ToArray();
        var groups = new List<List<(MaestroDirective Source, bool Spatial, int Dim, long Size, long Offset)>> { new() };
        int next = 0;
        foreach (var d in directives)
        {
            if (d.Kind == MaestroDirectiveKind.Cluster) groups.Add([]);
            else groups[^1].Add(resolved[next++]);
        }
        long units = upper * (pes / upper);
        long[] sizes = [.. _full];
        List<(bool Spatial, int Dim, long Size, long Offset)>? previous = null;
        for (int level = 0; level < groups.Count; level++)
        {
            var group = groups[level];
            var opening = group.Count > 0 ? group[0].Source : directives[0];
            var current = InputCentric(group.Select(g => (g.Spatial, g.Dim, g.Size, g.Offset)).ToList());
            if (current.Select(c => c.Dim).Distinct().Count() != current.Count)
                throw TesseraInputException.At(At(opening), $"cluster level {level} maps a dimension twice; expected one directive per dimension and level");
            if (previous is not null)
                foreach (var u in previous)
                    if (!current.Any(c => c.Dim == u.Dim)) current.Insert(0, (false, u.Dim, u.Size, u.Offset));
            foreach (var v in inputs)
                if (!current.Any(c => c.Dim == v) && sizes[v] >= 0) current.Add((false, v, sizes[v], sizes[v]));
            ApplyStride(current, top: level == 0);
            int spatial = current.Count(c => c.Spatial);
            if (spatial is 0 or > 2)
                throw TesseraInputException.At(At(opening), $"cluster level {level} has {spatial} SpatialMaps; expected one or two");
            long clusterCount = level == 0 ? units / upper : clusters[level - 1].Size;
            _levels.Add(new MaestroLevel(this, (int)clusterCount, current, sizes));
            var lower = new long[_names.Length];
            Array.Fill(lower, -1);
            foreach (var c in current) lower[c.Dim] = sizes[c.Dim] >= 0 ? Math.Min(c.Size, sizes[c.Dim]) : c.Size;
            (sizes, previous) = (lower, current);
        }
    }

    /// <summary>Every dimension a tensor uses (of size above 1) must be mapped; Y' and X' stand for Y and X.</summary>
    private void CheckCoverage(MaestroLayer layer, IReadOnlyList<MaestroDirective> directives, HashSet<int> mapped, string source)
    {
        foreach (var dim in _tensors.SelectMany(t => t).Distinct())
        {
            if (_full[dim] <= 1 || mapped.Contains(dim) || (_output[dim] >= 0 && mapped.Contains(_output[dim]))) continue;
            var first = directives.Count > 0 ? directives[0] : null;
            var at = first is { Line: > 0 } ? $"{source}:{first.Line}:{first.Column}: layer '{layer.Name}'" : $"{source}: layer '{layer.Name}'";
            throw TesseraInputException.At(at, $"no directive maps dimension {_names[dim]} (size {_full[dim]}) of layer '{layer.Name}'; expected a TemporalMap or SpatialMap of each of {string.Join(", ", _tensors.SelectMany(t => t).Distinct().Where(d => _full[d] > 1).Select(d => _names[d]))}");
        }
    }

    /// <summary>Output-centric maps (Y', X') become maps of the input rows/columns they need.</summary>
    private List<(bool Spatial, int Dim, long Size, long Offset)> InputCentric(List<(bool Spatial, int Dim, long Size, long Offset)> group)
    {
        for (int k = 0; k < group.Count; k++)
        {
            var d = group[k];
            int input = Array.IndexOf(_output, d.Dim);
            if (input < 0 || group.Any(g => g.Dim == input)) continue;
            int window = _window[input];
            int own = group.FindIndex(g => g.Dim == window);
            long windowSize = own >= 0 ? group[own].Size : _full[window];
            long step = Arithmetic == MaestroArithmetic.Upstream ? 1 : OutputStep(input);
            group[k] = (d.Spatial, input, (d.Size - 1) * step + windowSize, d.Offset);
        }
        return group;
    }

    /// <summary>
    /// A map of input rows/columns with a stride becomes a tile of whole output windows: o outputs span
    /// o·min(s, R) + max(R − s, 0) inputs and the next tile starts o·s further (o·R in MAESTRO below the top level, and at
    /// every level in the corrected arithmetic, when the window R is narrower than the stride s).
    /// </summary>
    private void ApplyStride(List<(bool Spatial, int Dim, long Size, long Offset)> directives, bool top)
    {
        for (int k = 0; k < directives.Count; k++)
        {
            var d = directives[k];
            long s = _strides[d.Dim];
            if (_window[d.Dim] < 0 || s == 1) continue;
            long r = _full[_window[d.Dim]];
            if (d.Size < r) continue;
            long outputs = (d.Size + s - r) / s;
            long offset = (!top || Arithmetic == MaestroArithmetic.Corrected) && r < s ? outputs * r : outputs * s;
            directives[k] = (d.Spatial, d.Dim, outputs * Math.Min(s, r) + Math.Max(r - s, 0), offset);
        }
    }

    private long NocDelay(long elements) =>
        (long)_hardware.NocLatencyCycles + (long)Math.Ceiling(elements / _hardware.NocBandwidth) - 1;

    /// <summary>
    /// The top level with its buffer accesses. The corrected arithmetic bounds the layer by what L2 takes in from off-chip
    /// and sends back (inputs and weights once, outputs once) over the off-chip bandwidth, overlapped with the work;
    /// MAESTRO instead bounds every step by refilling half the first step's double buffer (see <see cref="Analyze"/>).
    /// </summary>
    private MaestroResult Top()
    {
        var access = new long[4, 3];
        var outcome = Analyze(0, _full, access);
        MaestroTensorAccesses Of(int t) => new(access[0, t], access[1, t], access[2, t], access[3, t]);
        long cycles = outcome.Runtime;
        var bound = outcome.Bound;
        if (Arithmetic == MaestroArithmetic.Corrected)
        {
            long offChip = (long)Math.Ceiling((access[1, InputTensor] + access[1, WeightTensor] + access[0, OutputTensor]) / _hardware.OffChipBandwidth);
            if (offChip > cycles) (cycles, bound) = (offChip, [0, 0, offChip]);
        }
        return new MaestroResult(cycles, outcome.Macs, Of(InputTensor), Of(WeightTensor), Of(OutputTensor), outcome.ActivePes,
            outcome.ComputeCycles, bound[0], bound[1], bound[2]);
    }

    private sealed record Outcome(long Runtime, long Macs, double ActivePes, long ComputeCycles, long[] Bound);

    /// <summary>
    /// One level on a tile: Σ over cases of occurrences × the case's delay. <paramref name="access"/> (top level only)
    /// collects [L2 read, L2 write, L1 read, L1 write] per tensor, as MAESTRO reports the top level.
    /// </summary>
    private Outcome Analyze(int index, long[] tile, long[,]? access)
    {
        var level = _levels[index];
        var states = level.States(tile);
        int n = level.Count;
        var frequency = new long[n];
        long cases = 1;
        for (int i = n - 1; i >= 0; i--)
        {
            frequency[i] = cases;
            cases *= states[i].Count;
        }
        var s = new CaseState(n);
        var request = new long[3];
        var bound = new long[3];
        long runtime = 0, macs = 0, occurrencesSeen = 0, computeCycles = 0;
        double activeSum = 0;
        bool accepted = false;
        int[] output = _tensors[OutputTensor];
        for (long c = 0; c < cases; c++)
        {
            // MAESTRO's order: each directive's state advances after the case that is a multiple of its frequency.
            long occurrences = 1;
            for (int i = 0; i < n; i++)
            {
                var state = states[i][(int)((c + frequency[i] - 1) / frequency[i] % states[i].Count)];
                (s.Position[i], s.Unrolled[i], s.InitEdge[i], s.EdgeEdge[i]) = (state.Position, state.Unrolled, state.InitEdge, state.EdgeEdge);
                occurrences *= state.Occurrences;
            }
            if (!accepted && access is not null)
            {
                // The top level's buffers hold twice the first case's traffic; its inputs arrive whole, its outputs leave whole.
                request[InputTensor] += 2 * level.Ingress(_tensors[InputTensor], s);
                request[WeightTensor] += 2 * level.Ingress(_tensors[WeightTensor], s);
                request[OutputTensor] = 2 * level.Egress(output, s);
                access[1, InputTensor] = Volume(_tensors[InputTensor], tile);
                access[1, WeightTensor] = Volume(_tensors[WeightTensor], tile);
                access[0, OutputTensor] = OutputVolume(tile);
            }
            long egress = level.Egress(output, s);
            long caseMacs = level.Macs(output, s);
            long partialSums = level.CriticalPathMacs(output, s);
            if (access is not null)
            {
                access[1, OutputTensor] += occurrences * egress;
                access[3, OutputTensor] += occurrences * caseMacs;
                access[2, OutputTensor] += occurrences * caseMacs;
            }
            // MAESTRO skips a case without work after counting its outputs.
            if (partialSums <= 0) continue;
            long ingress = 0;
            foreach (var t in Inputs)
            {
                long volume = level.Ingress(_tensors[t], s);
                ingress += volume;
                if (access is null) continue;
                access[0, t] += occurrences * volume;
                access[3, t] = access[0, t];
                access[2, t] += occurrences * caseMacs;
            }
            var (compute, active) = Compute(index, level, s, partialSums);
            long ingressDelay = NocDelay(ingress), egressDelay = NocDelay(egress);
            long delay = s.AllInit ? compute + ingressDelay : Math.Max(egressDelay, Math.Max(compute, ingressDelay));
            int boundBy = s.AllInit ? (compute >= ingressDelay ? 0 : 1) : compute >= Math.Max(ingressDelay, egressDelay) ? 0 : 1;
            if (access is not null && Arithmetic == MaestroArithmetic.Upstream)
            {
                // MAESTRO: half of what the first case brings into (or sends out of) the double-buffered L2 crosses the off-chip link in every case.
                long offIn = (long)Math.Floor((request[InputTensor] + request[WeightTensor]) / _hardware.OffChipBandwidth) / 2;
                long offOut = (long)Math.Floor(request[OutputTensor] / _hardware.OffChipBandwidth) / 2;
                if (Math.Max(offIn, offOut) > delay) boundBy = 2;
                delay = Math.Max(offIn, Math.Max(delay, offOut));
            }
            runtime += occurrences * delay;
            computeCycles += occurrences * compute;
            bound[boundBy] += occurrences * delay;
            macs += occurrences * caseMacs;
            activeSum += active * occurrences;
            occurrencesSeen += occurrences;
            accepted = true;
        }
        return new Outcome(runtime, macs, occurrencesSeen > 0 ? activeSum / occurrencesSeen : 0, computeCycles, bound);
    }

    /// <summary>
    /// A case's compute time: MACs of the busiest PE at the innermost level; else the slowest sub-cluster's runtime on its
    /// tile (a partial edge sub-cluster separately). Also the PEs in use, for the average utilisation.
    /// </summary>
    private (long Cycles, double ActivePes) Compute(int index, MaestroLevel level, CaseState s, long partialSums)
    {
        bool edge = s.IsEdge(level.FirstSpatial);
        long active = edge ? level.EdgeClusters : level.Clusters;
        if (index == _levels.Count - 1)
            return ((long)Math.Ceiling((double)partialSums / _hardware.SimdLanes), active);
        var parts = new List<(long[] Tile, long Count)>();
        if (edge && s.EdgeEdge[level.FirstSpatial])
        {
            parts.Add((level.SubClusterTile(s, true), 1));
            if (level.EdgeClusters > 1) parts.Add((level.SubClusterTile(s, false), level.EdgeClusters - 1));
        }
        else parts.Add((level.SubClusterTile(s, false), active));
        long cycles = 0;
        double pes = 0;
        foreach (var (tile, count) in parts)
        {
            var (runtime, subPes) = SubCluster(index + 1, tile);
            cycles = Math.Max(cycles, runtime);
            pes += subPes * count;
        }
        return (cycles, pes == 0 ? active : pes);
    }

    private (long Runtime, double ActivePes) SubCluster(int index, long[] tile)
    {
        var key = string.Join(',', tile);
        if (_memo[index].TryGetValue(key, out var known)) return known;
        var o = Analyze(index, tile, null);
        return _memo[index][key] = (o.Runtime, o.ActivePes);
    }

    private static long Volume(int[] tensor, long[] tile) => tensor.Aggregate(1L, (p, d) => p * tile[d]);

    /// <summary>Outputs read out of L2 at the end: MAESTRO takes Y − R + 1 (stride ignored); corrected, the true count.</summary>
    private long OutputVolume(long[] tile) =>
        _tensors[OutputTensor].Aggregate(1L, (p, d) => p * (_window[d] >= 0 ? (tile[d] - tile[_window[d]]) / OutputStep(d) + 1 : tile[d]));
}
