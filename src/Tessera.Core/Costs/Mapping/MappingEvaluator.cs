using System.Collections.Immutable;
using Tessera.Hardware;
using Tessera.Scoring;
using Tessera.Workloads;

namespace Tessera.Costs.Mapping;

/// <summary>The figures of merit of one evaluated mapping.</summary>
internal readonly record struct MappingScore(bool Feasible, double EnergyPj, double Cycles)
{
    /// <summary>The objective's score with cycles as the latency and pJ as the energy (the named objectives rank alike in any unit).</summary>
    public double Score(Objective objective) => objective.Score(Cycles, EnergyPj);

    /// <summary>Better by the objective; ties go to the other metric.</summary>
    public bool BetterThan(MappingScore other, Objective objective)
    {
        if (!other.Feasible) return Feasible;
        if (!Feasible) return false;
        double a = Score(objective), b = other.Score(objective);
        if (a != b) return a < b;
        return objective == Objective.Latency ? EnergyPj < other.EnergyPj : Cycles < other.Cycles;
    }
}

/// <summary>
/// Evaluates temporal mappings of one <see cref="MappingProblem"/> analytically with ZigZag's published model (Mei et
/// al., IEEE TC 2021). Holds scratch arrays, so one instance serves one thread. Set an ordering with
/// <see cref="SetOrdering"/>, choose the loops each operand keeps in each level (<see cref="Allocate"/>,
/// <see cref="SetLevelCuts"/> or <see cref="SetCuts"/>) and call <see cref="Evaluate"/>.
/// </summary>
/// <remarks>
/// Tiles. A level's tile is the operand's extent over the loops below its cut and the spatial factors its instance
/// serves. Loops just above a cut that do not index the operand leave the tile in place (stationarity): the effective
/// cut extends over them, so a level is refilled once per period = Π loops below its effective cut. Outputs hold
/// partial sums (<see cref="LoopOperand.PartialSumBits"/>) while a reduction loop remains above, final values after.
///
/// Movements. Per period a level is written its tile from above and reads out, to the level below, the union of the
/// child tiles its instance feeds; outputs move the other way and, while partial, come back. Each movement takes
/// ⌈bits ÷ its port's word⌉ cycles. It may take the whole period when the level can double-buffer (its tile, less
/// the part the top relevant loops stream in, fills at most half the memory, shared memories counted together);
/// otherwise only the period ÷ the top irrelevant loops of the receiving level. Stall (+) or slack (−) per movement =
/// (cycles − allowed) × (periods − 1); movements on one port add their stalls, and their slacks count only as far as
/// the port's busy windows (the union over the period) leave room. The worst port's stall adds to the ideal temporal
/// cycles, then the first tiles' on-loading (serial over levels, parallel over the two inputs unless a port carries
/// both) and the last output tile's off-loading. Energy: MACs × MAC energy (an IMC macro: its circuits) + every
/// movement's bits, rounded up to its port's smallest access, × the port's energy per bit; the first write of a partial
/// sum needs no read back.
/// </remarks>
internal sealed class MappingEvaluator
{
    private readonly MappingProblem _p;
    private readonly int _levels, _operands, _dims;
    private int _n;
    private int[] _loopDim = [];
    private double[] _loopFactor = [];
    private double[] _prefix = [];
    private double[] _cycles = [];
    private int[] _irEnd = [];
    private double[] _reductionAbove = [];
    private double[] _relevantAbove = [];
    /// <summary>Per on-chip level and operand: loops (from the innermost) at or below the level.</summary>
    private readonly int[] _cuts;
    // Allocation scratch: each operand's cut so far, per held operand the range, the combination tried and the best one,
    // and the bits each operand would occupy in the levels above ([(level·operands + operand)·(loops + 1) + cut]).
    private readonly int[] _running, _low, _high, _choice, _best;
    private double[] _upperBits = [];
    // Per held operand of the level being allocated and cut: its bits there and its traffic to the next level.
    private double[] _levelBits = [], _levelTraffic = [];

    // Per evaluation, per operand and position in its hierarchy.
    private readonly int[][] _eff, _levelIndex;
    private readonly double[][] _tile, _tileBits, _topIrrelevant;
    private readonly bool[][] _doubleBuffered;
    // Per level and operand; per movement; per port; per activity.
    private readonly double[] _reads, _writes, _readBits, _writeBits, _energy, _footprint;
    private readonly double[] _real;
    private readonly double[] _portStall;
    private readonly bool[] _portActive;
    private readonly int[] _actPort;
    private readonly double[] _actPeriod, _actAllowed, _actCount, _actStall, _actWindow;
    private int _activities;

    /// <summary>Each operand's cut per on-chip level, [level·operands + operand] (copy it to keep a mapping).</summary>
    public int[] Cuts => _cuts;

    public int LoopCount => _n;

    public int OnChipLevels => _p.OffChip;

    /// <summary>The latency terms of the last evaluation.</summary>
    public LatencyBreakdown Latency { get; private set; } = new(0, 0, 0, "", 0, 0, []);

    public MappingEvaluator(MappingProblem problem)
    {
        _p = problem;
        _levels = problem.Levels.Length;
        _operands = problem.Operands;
        _dims = problem.Dims;
        _reads = new double[_levels * _operands];
        _writes = new double[_levels * _operands];
        _readBits = new double[_levels * _operands];
        _writeBits = new double[_levels * _operands];
        _energy = new double[_levels * _operands];
        _footprint = new double[_levels];
        _real = new double[_levels * _operands * 4];
        _portStall = new double[problem.PortLevel.Length];
        _portActive = new bool[problem.PortLevel.Length];
        int maxActivities = _levels * _operands * 4;
        _actPort = new int[maxActivities];
        _actPeriod = new double[maxActivities];
        _actAllowed = new double[maxActivities];
        _actCount = new double[maxActivities];
        _actStall = new double[maxActivities];
        _actWindow = new double[maxActivities];
        _cuts = new int[problem.OffChip * _operands];
        (_running, _low, _high, _choice, _best) = (new int[_operands], new int[_operands], new int[_operands], new int[_operands], new int[_operands]);
        _eff = new int[_operands][];
        _levelIndex = new int[_operands][];
        _tile = new double[_operands][];
        _tileBits = new double[_operands][];
        _topIrrelevant = new double[_operands][];
        _doubleBuffered = new bool[_operands][];
        for (int o = 0; o < _operands; o++)
        {
            int h = problem.Hierarchy[o].Length;
            (_eff[o], _tile[o], _tileBits[o], _topIrrelevant[o], _doubleBuffered[o]) = (new int[h], new double[h], new double[h], new double[h], new bool[h]);
            _levelIndex[o] = [.. Enumerable.Range(0, _levels).Select(l => Array.IndexOf(problem.Hierarchy[o], l))];
        }
    }

    /// <summary>Loops innermost first; precomputes loop sizes below every position and relevance runs above it.</summary>
    public void SetOrdering(ReadOnlySpan<int> dims, ReadOnlySpan<long> factors)
    {
        int n = dims.Length;
        if (_loopDim.Length < n)
        {
            _loopDim = new int[n];
            _loopFactor = new double[n];
        }
        if (_prefix.Length < (n + 1) * _dims)
        {
            _prefix = new double[(n + 1) * _dims];
            _cycles = new double[n + 1];
            _irEnd = new int[(n + 1) * _operands];
            _reductionAbove = new double[(n + 1) * _operands];
            _relevantAbove = new double[(n + 1) * _operands];
            _upperBits = new double[_p.OffChip * _operands * (n + 1)];
        }
        _n = n;
        for (int d = 0; d < _dims; d++) _prefix[d] = 1;
        // Periods count cycles: a step of a bit-serial IMC macro lasts several, and memories have as many to deliver.
        _cycles[0] = _p.PeriodCyclesPerStep;
        for (int i = 0; i < n; i++)
        {
            _loopDim[i] = dims[i];
            _loopFactor[i] = factors[i];
            Array.Copy(_prefix, i * _dims, _prefix, (i + 1) * _dims, _dims);
            _prefix[(i + 1) * _dims + dims[i]] *= factors[i];
            _cycles[i + 1] = _cycles[i] * factors[i];
        }
        for (int o = 0; o < _operands; o++)
        {
            _irEnd[n * _operands + o] = n;
            _reductionAbove[n * _operands + o] = 1;
            _relevantAbove[n * _operands + o] = 1;
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double f = _loopFactor[i];
            int bit = 1 << _loopDim[i];
            for (int o = 0; o < _operands; o++)
            {
                bool relevant = (_p.RelevantMask[o] & bit) != 0;
                int row = i * _operands + o, above = row + _operands;
                _irEnd[row] = relevant ? i : _irEnd[above];
                _reductionAbove[row] = relevant ? _reductionAbove[above] : f * _reductionAbove[above];
                _relevantAbove[row] = relevant ? f * _relevantAbove[above] : _relevantAbove[above];
            }
        }
    }

    /// <summary>
    /// LOMA's allocation (Mei et al., IEEE TC 2021): level by level from the innermost, each operand the level holds keeps
    /// a run of the loops left above its cut in the level below. Operands of a shared level get their own cuts: of the
    /// combinations whose tiles fit the level together and leave every level above room for them, the one moving the
    /// fewest bits between this level and the next wins (ties: the larger tiles). An operand's traffic never grows with
    /// its cut, so the last operand takes the largest cut that still fits beside the others.
    /// </summary>
    public void Allocate()
    {
        var p = _p;
        Array.Fill(_cuts, 0);
        Array.Fill(_upperBits, double.NaN);
        Array.Clear(_running);
        for (int l = 0; l < p.OffChip; l++)
        {
            var held = p.HeldBy[l];
            int m = held.Length;
            if (m == 0) continue;
            double capacity = p.Levels[l].CapacityBits;
            int stride = _n + 1;
            if (_levelBits.Length < m * stride) (_levelBits, _levelTraffic) = (new double[m * stride], new double[m * stride]);
            for (int i = 0; i < m; i++)
            {
                int o = held[i], lo = _running[o];
                if (l == p.Hierarchy[o][^1]) lo = _n;
                int hi = lo;
                _levelBits[i * stride + lo] = StoredBits(o, l, lo, _running[o]);
                while (hi < _n && (_levelBits[i * stride + hi + 1] = StoredBits(o, l, hi + 1, _running[o])) <= capacity) hi++;
                for (int c = lo; c <= hi; c++) _levelTraffic[i * stride + c] = Traffic(o, l, c);
                (_low[i], _high[i], _choice[i]) = (lo, hi, hi);
            }
            double bestTraffic = double.PositiveInfinity;
            bool found = false;
            int lastIndex = (m - 1) * stride;
            // Traffic never grows with a cut and storage never shrinks: the last operand's largest cut bounds the traffic
            // of a combination from below, its smallest bounds the bits.
            double leastLastTraffic = _levelTraffic[lastIndex + _high[m - 1]], leastLastBits = _levelBits[lastIndex + _low[m - 1]];
            // Odometer over the cuts of all but the last operand, largest first; the last takes the largest that fits.
            while (true)
            {
                double bits = 0, traffic = 0;
                for (int i = 0; i < m - 1; i++)
                {
                    bits += _levelBits[i * stride + _choice[i]];
                    traffic += _levelTraffic[i * stride + _choice[i]];
                }
                if (traffic + leastLastTraffic < bestTraffic && bits + leastLastBits <= capacity)
                    for (int c = _high[m - 1]; c >= _low[m - 1]; c--)
                    {
                        _choice[m - 1] = c;
                        if (bits + _levelBits[lastIndex + c] > capacity || !UpperLevelsFit(l, held)) continue;
                        double total = traffic + _levelTraffic[lastIndex + c];
                        if (total < bestTraffic)
                        {
                            (bestTraffic, found) = (total, true);
                            for (int i = 0; i < m; i++) _best[i] = _choice[i];
                        }
                        break;
                    }
                int k = m - 2;
                while (k >= 0 && _choice[k] == _low[k]) _choice[k] = _high[k--];
                if (k < 0) break;
                _choice[k]--;
            }
            for (int i = 0; i < m; i++)
            {
                int o = held[i], cut = found ? _best[i] : _low[i];
                _cuts[l * _operands + o] = cut;
                _running[o] = cut;
            }
        }
    }

    /// <summary>Whether every on-chip level above <paramref name="level"/> can hold its operands at the cuts <see cref="_choice"/> gives the held ones.</summary>
    private bool UpperLevelsFit(int level, int[] held)
    {
        var p = _p;
        for (int l = level + 1; l < p.OffChip; l++)
        {
            double bits = 0;
            foreach (var o in p.HeldBy[l])
            {
                int i = Array.IndexOf(held, o);
                int cut = l == p.Hierarchy[o][^1] ? _n : i >= 0 ? _choice[i] : _running[o];
                int slot = (l * _operands + o) * (_n + 1) + cut;
                if (double.IsNaN(_upperBits[slot])) _upperBits[slot] = StoredBits(o, l, cut, cut);
                bits += _upperBits[slot];
            }
            if (bits > p.Levels[l].CapacityBits) return false;
        }
        return true;
    }

    /// <summary>
    /// Bits operand <paramref name="o"/> occupies in one instance of <paramref name="level"/> with the loops below
    /// <paramref name="cut"/> (and the irrelevant ones right above it) when the level below it stops at
    /// <paramref name="below"/>: an output is stored as a partial sum while a reduction remains in this level or above
    /// (an accumulator holds the wide sum until its last term), final values otherwise.
    /// </summary>
    private double StoredBits(int o, int level, int cut, int below)
    {
        int e = _irEnd[cut * _operands + o];
        return _p.Extent(o, _prefix, e * _dims, level) * (Partial(o, below, level) ? _p.PartialSumBits[o] : _p.Bits[o]);
    }

    /// <summary>Bits moved between <paramref name="level"/> and the next level of the operand over the operator (0 at its top).</summary>
    private double Traffic(int o, int level, int cut)
    {
        var h = _p.Hierarchy[o];
        if (level == h[^1]) return 0;
        int e = _irEnd[cut * _operands + o];
        int parent = h[Array.IndexOf(h, level) + 1];
        double tile = _p.Extent(o, _prefix, e * _dims, level) * _cycles[_n] / _cycles[e];
        if (_p.Roles[o] != OperandRole.Output) return tile * _p.Bits[o];
        return Partial(o, e, parent) ? 2 * tile * _p.PartialSumBits[o] : tile * _p.Bits[o];
    }

    /// <summary>
    /// Shrinks each operand's tile in each level, from the outermost, by the loops at the top of its cut that index it
    /// alone (no window), unless the tile stays in place across the loop above: the level above then sends the same
    /// data either way, in smaller pieces, so more of it overlaps compute and less is loaded before it. False when
    /// nothing changed.
    /// </summary>
    public bool Trim()
    {
        bool changed = false;
        for (int o = 0; o < _operands; o++)
        {
            var h = _p.Hierarchy[o];
            for (int k = h.Length - 2; k >= 0; k--)
            {
                int l = h[k], floor = k == 0 ? 0 : CutOf(h[k - 1], o);
                int cut = CutOf(l, o);
                // With a loop that leaves the tile in place right above the cut, a smaller tile would be fetched again.
                if (cut < _n && _irEnd[cut * _operands + o] != cut) continue;
                while (cut > floor && (_p.FullyRelevantMask[o] & (1 << _loopDim[cut - 1])) != 0) cut--;
                if (cut == CutOf(l, o)) continue;
                _cuts[l * _operands + o] = cut;
                changed = true;
            }
        }
        return changed;
    }

    /// <summary>Every operand of each on-chip level keeps the level's cut (a pinned mapping, an exhaustive allocation).</summary>
    public void SetLevelCuts(ReadOnlySpan<int> cuts)
    {
        for (int l = 0; l < cuts.Length; l++)
            for (int o = 0; o < _operands; o++) _cuts[l * _operands + o] = cuts[l];
    }

    /// <summary>Restores cuts saved from <see cref="Cuts"/>.</summary>
    public void SetCuts(int[] cuts) => Array.Copy(cuts, _cuts, _cuts.Length);

    /// <summary>Loops (counted from the innermost) operand <paramref name="o"/> keeps at or below on-chip level <paramref name="level"/>.</summary>
    public int CutOf(int level, int o) => _cuts[level * _operands + o];

    /// <summary>An output is a partial sum while a reduction remains above position <paramref name="cut"/> of level <paramref name="level"/>.</summary>
    private bool Partial(int o, int cut, int level) =>
        _p.Roles[o] == OperandRole.Output && (_reductionAbove[cut * _operands + o] > 1 || _p.SpatialReductionAbove[level]);

    /// <summary>Evaluates the current ordering and <see cref="Cuts"/>; infeasible when a level's footprint exceeds its capacity.</summary>
    public MappingScore Evaluate()
    {
        var p = _p;
        Array.Clear(_reads);
        Array.Clear(_writes);
        Array.Clear(_readBits);
        Array.Clear(_writeBits);
        Array.Clear(_energy);
        Array.Clear(_footprint);
        Array.Clear(_real);
        _activities = 0;

        // Tiles at the effective cuts, and what each level must hold.
        for (int o = 0; o < _operands; o++)
        {
            var h = p.Hierarchy[o];
            int cut = 0;
            for (int k = 0; k < h.Length; k++)
            {
                int l = h[k], below = cut;
                bool top = k == h.Length - 1;
                cut = top ? _n : Math.Max(cut, CutOf(l, o));
                int e = top ? _n : _irEnd[cut * _operands + o];
                _eff[o][k] = e;
                _tile[o][k] = p.Extent(o, _prefix, e * _dims, l);
                _tileBits[o][k] = _tile[o][k] * (Partial(o, below, l) ? p.PartialSumBits[o] : p.Bits[o]);
                if (l < p.OffChip) _footprint[l] += _tileBits[o][k];
            }
        }
        for (int l = 0; l < p.OffChip; l++)
            if (_footprint[l] > p.Levels[l].CapacityBits)
                return new MappingScore(false, double.PositiveInfinity, double.PositiveInfinity);
        DoubleBuffering();

        double total = _cycles[_n];
        for (int o = 0; o < _operands; o++)
        {
            var h = p.Hierarchy[o];
            bool output = p.Roles[o] == OperandRole.Output;
            // Inputs stay at the MACs across the innermost loops that do not index them; outputs are written every step.
            double macPeriod = output ? _cycles[0] : _cycles[_irEnd[o]];
            for (int k = 0; k < h.Length; k++)
            {
                int l = h[k];
                bool top = k == h.Length - 1;
                int below = k == 0 ? 0 : _eff[o][k - 1];
                double childPeriod = k == 0 ? macPeriod : _cycles[below];
                double allowedBelow = k > 0 && _doubleBuffered[o][k - 1] ? childPeriod
                    : Math.Floor(childPeriod / (k == 0 ? 1 : _topIrrelevant[o][k - 1]));
                double period = _cycles[_eff[o][k]];
                double allowedAbove = _doubleBuffered[o][k] ? period : Math.Floor(period / _topIrrelevant[o][k]);
                double fed = p.Extent(o, _prefix, below * _dims, l);
                double instances = p.Instances[l];
                if (!output)
                {
                    Move(l, o, PortDirection.ToLow, fed, p.Bits[o], allowedBelow, childPeriod, total / childPeriod, instances);
                    if (!top) Move(l, o, PortDirection.FromHigh, _tile[o][k], p.Bits[o], allowedAbove, period, total / period, instances);
                    continue;
                }
                bool partialIn = Partial(o, below, l);
                double bitsIn = partialIn ? p.PartialSumBits[o] : p.Bits[o];
                double fills = total / childPeriod;
                Move(l, o, PortDirection.FromLow, fed, bitsIn, allowedBelow, childPeriod, fills, instances);
                if (partialIn)
                    Move(l, o, PortDirection.ToLow, fed, bitsIn, allowedBelow, childPeriod, fills, instances, _relevantAbove[below * _operands + o]);
                if (top) continue;
                bool partialUp = Partial(o, _eff[o][k], h[k + 1]);
                double bitsUp = partialUp ? p.PartialSumBits[o] : p.Bits[o];
                Move(l, o, PortDirection.ToHigh, _tile[o][k], bitsUp, allowedAbove, period, total / period, instances);
                if (partialUp)
                    Move(l, o, PortDirection.FromHigh, _tile[o][k], bitsUp, allowedAbove, period, total / period, instances,
                        _relevantAbove[_eff[o][k] * _operands + o]);
            }
        }

        var (stall, stallPort) = CombinePorts();
        double onload = Onloading(), offload = Offloading();
        double energy = p.ComputeEnergyPj;
        for (int i = 0; i < _energy.Length; i++) energy += _energy[i];
        double temporal = total * p.CyclesPerStep / _cycles[0];
        Latency = new LatencyBreakdown(Math.Ceiling(p.Nest.Macs / (double)p.Core.Array.ProcessingElements) * p.CyclesPerStep, temporal, stall,
            stallPort < 0 ? "" : $"{p.Levels[p.PortLevel[stallPort]].Name}.{p.PortName[stallPort]}", onload, offload, []);
        return new MappingScore(true, energy, temporal + stall + onload + offload);
    }

    /// <summary>
    /// Double-buffering per operand and level: the tile less what its top relevant loops stream in, at most half the
    /// memory with every operand there counted, or fitting beside the others (then it claims that room). Off-chip always.
    /// </summary>
    private void DoubleBuffering()
    {
        var p = _p;
        for (int o = 0; o < _operands; o++)
        {
            var h = p.Hierarchy[o];
            for (int k = 0; k < h.Length; k++)
            {
                int start = k == 0 ? 0 : _eff[o][k - 1], end = _eff[o][k];
                double topIrrelevant = 1;
                for (int i = end - 1; i >= start && (p.RelevantMask[o] & (1 << _loopDim[i])) == 0; i--) topIrrelevant *= _loopFactor[i];
                _topIrrelevant[o][k] = topIrrelevant;
                _doubleBuffered[o][k] = h[k] == p.OffChip;
            }
        }
        for (int l = 0; l < p.OffChip; l++)
        {
            double capacity = p.Levels[l].CapacityBits, shared = 0;
            foreach (var o in p.HeldBy[l]) shared += EffectiveBits(o, _levelIndex[o][l]) / capacity;
            foreach (var o in p.HeldBy[l])
            {
                int k = _levelIndex[o][l];
                double own = EffectiveBits(o, k) / capacity;
                if (shared <= 0.5) _doubleBuffered[o][k] = true;
                else if (own <= 1 - shared)
                {
                    _doubleBuffered[o][k] = true;
                    shared += own;
                }
            }
        }
    }

    /// <summary>The tile's bits divided by its top fully relevant loops: the part that must be replaced at once.</summary>
    private double EffectiveBits(int o, int k)
    {
        int start = k == 0 ? 0 : _eff[o][k - 1], end = _eff[o][k];
        double topRelevant = 1;
        for (int i = end - 1; i >= start && (_p.FullyRelevantMask[o] & (1 << _loopDim[i])) != 0; i--) topRelevant *= _loopFactor[i];
        return Math.Floor(_tileBits[o][k] / topRelevant);
    }

    /// <summary>
    /// One periodic movement of <paramref name="elements"/> per instance of level <paramref name="l"/>: its port cycles,
    /// stall/slack and busy window, its accesses and energy (<paramref name="firstWrites"/> periods need no read back).
    /// </summary>
    private void Move(int l, int o, PortDirection direction, double elements, double bits, double allowed, double period, double count,
        double instances, double firstWrites = 0)
    {
        var p = _p;
        int m = p.Move(l, o, direction), port = p.PortOf[m];
        double amount = elements * bits;
        double real = Math.Ceiling(amount / p.PortBits[port]);
        _real[m] = real;
        double accesses = (count - firstWrites) * instances;
        double granule = p.PortMinBits[port];
        double charged = granule <= 0 || double.IsPositiveInfinity(granule) ? amount : Math.Ceiling(amount / granule) * granule;
        int lo = l * _operands + o;
        _energy[lo] += charged * accesses * p.MoveEnergyPerBit[m];
        if (direction is PortDirection.ToLow or PortDirection.ToHigh)
        {
            _reads[lo] += elements * accesses;
            _readBits[lo] += amount * accesses;
        }
        else
        {
            _writes[lo] += elements * accesses;
            _writeBits[lo] += amount * accesses;
        }
        int a = _activities++;
        _actPort[a] = port;
        _actPeriod[a] = period;
        _actAllowed[a] = allowed;
        _actCount[a] = count;
        _actStall[a] = (real - allowed) * (count - 1);
        _actWindow[a] = allowed * (count - 1);
    }

    /// <summary>Stall per port (stalls add; slacks count as far as the union of busy windows leaves room); the worst port.</summary>
    private (double Stall, int Port) CombinePorts()
    {
        Array.Clear(_portStall);
        Array.Clear(_portActive);
        double worst = 0;
        int worstPort = -1;
        for (int port = 0; port < _portStall.Length; port++)
        {
            int activities = 0, single = -1;
            double stalls = 0, slacks = 0, windows = 0;
            for (int a = 0; a < _activities; a++)
            {
                if (_actPort[a] != port) continue;
                activities++;
                single = a;
                if (_actStall[a] > 0) stalls += _actStall[a];
                else slacks += _actStall[a];
                windows += _actWindow[a];
            }
            if (activities == 0) continue;
            _portActive[port] = true;
            double combined = activities == 1 ? _actStall[single] : stalls + Math.Max(0, slacks + windows - WindowUnion(port));
            _portStall[port] = combined;
            if (combined > worst) (worst, worstPort) = (combined, port);
        }
        return (worst, worstPort);
    }

    /// <summary>
    /// Cycles in which some movement on the port is busy: each is busy for its allowed window at the start of every one
    /// of its periods. Periods are prefix products of one loop order, so each divides the next and the union is periodic.
    /// </summary>
    private double WindowUnion(int port)
    {
        Span<(double Period, double Window, double Count)> acts = stackalloc (double, double, double)[_activities];
        int n = 0;
        for (int a = 0; a < _activities; a++)
        {
            if (_actPort[a] != port) continue;
            if (_actAllowed[a] >= _actPeriod[a]) return _actPeriod[a] * _actCount[a];
            acts[n++] = (_actPeriod[a], _actAllowed[a], _actCount[a]);
        }
        var sorted = acts[..n];
        sorted.Sort((x, y) => x.Period.CompareTo(y.Period));
        var last = sorted[n - 1];
        return Covered(sorted, n - 1, last.Period) * last.Count;
    }

    /// <summary>Busy cycles in [0, x) of the movements 0..i (sorted by period), for x up to period i.</summary>
    private static double Covered(ReadOnlySpan<(double Period, double Window, double Count)> acts, int i, double x)
    {
        if (i < 0 || x <= 0) return 0;
        double window = Math.Min(x, acts[i].Window);
        return window + Below(acts, i - 1, x) - Below(acts, i - 1, window);
    }

    /// <summary><see cref="Covered"/> of movements 0..i extended periodically beyond their longest period.</summary>
    private static double Below(ReadOnlySpan<(double Period, double Window, double Count)> acts, int i, double x)
    {
        if (i < 0) return 0;
        double period = acts[i].Period, whole = Math.Floor(x / period);
        return whole * Covered(acts, i, period) + Covered(acts, i, x - whole * period);
    }

    /// <summary>
    /// First tiles of the inputs: per level pair the slower of the upper level's read and the lower level's write, serial
    /// over levels; the two inputs load in parallel except over ports that carry both (ZigZag's shared/half-shared rule).
    /// </summary>
    private double Onloading()
    {
        var p = _p;
        Span<double> own = stackalloc double[2], half = stackalloc double[2], shared = stackalloc double[2];
        own.Clear();
        half.Clear();
        shared.Clear();
        int inputs = 0;
        for (int o = 0; o < _operands && inputs < 2; o++)
        {
            if (p.Roles[o] == OperandRole.Output) continue;
            var h = p.Hierarchy[o];
            for (int k = 0; k + 1 < h.Length; k++)
            {
                int lower = p.Move(h[k], o, PortDirection.FromHigh), upper = p.Move(h[k + 1], o, PortDirection.ToLow);
                double cycles = Math.Max(_real[lower], _real[upper]);
                bool a = p.PortServesBothInputs[p.PortOf[lower]], b = p.PortServesBothInputs[p.PortOf[upper]];
                if (a && b) shared[inputs] += cycles;
                else if (a || b) half[inputs] += cycles;
                else own[inputs] += cycles;
            }
            inputs++;
        }
        if (inputs < 2) return own[0] + half[0] + shared[0];
        double first = shared[0] + Math.Max(shared[1] + half[1] + own[1], half[0] + own[0]);
        double second = shared[1] + Math.Max(shared[0] + half[0] + own[0], half[1] + own[1]);
        return Math.Min(first, second);
    }

    /// <summary>The last output tile, level by level to the top: per pair the slower of the read out and the write in.</summary>
    private double Offloading()
    {
        var p = _p;
        double cycles = 0;
        for (int o = 0; o < _operands; o++)
        {
            if (p.Roles[o] != OperandRole.Output) continue;
            var h = p.Hierarchy[o];
            for (int k = 0; k + 1 < h.Length; k++)
                cycles += Math.Max(_real[p.Move(h[k], o, PortDirection.ToHigh)], _real[p.Move(h[k + 1], o, PortDirection.FromLow)]);
        }
        return cycles;
    }

    /// <summary>The temporal mapping, accesses, footprints and latency terms of the last evaluation (slow path for reports).</summary>
    public (TemporalMapping Temporal, ImmutableArray<LevelAccess> Accesses, ImmutableArray<LevelFootprint> Footprints, LatencyBreakdown Latency) Describe()
    {
        var p = _p;
        var loops = Enumerable.Range(0, _n).Select(i => new TemporalLoop(p.DimNames[_loopDim[i]], (long)_loopFactor[i])).ToImmutableArray();
        var allocations = ImmutableArray.CreateBuilder<OperandAllocation>();
        for (int o = 0; o < _operands; o++)
        {
            var below = ImmutableArray.CreateBuilder<int>();
            int cut = 0;
            foreach (var l in p.Hierarchy[o])
            {
                cut = l == p.Hierarchy[o][^1] ? _n : Math.Max(cut, CutOf(l, o));
                below.Add(cut);
            }
            allocations.Add(new OperandAllocation(p.Roles[o], [.. p.Hierarchy[o].Select(l => p.Levels[l].Name)], below.ToImmutable()));
        }
        var accesses = ImmutableArray.CreateBuilder<LevelAccess>();
        var footprints = ImmutableArray.CreateBuilder<LevelFootprint>();
        for (int l = 0; l < _levels; l++)
        {
            for (int o = 0; o < _operands; o++)
            {
                if (_levelIndex[o][l] < 0) continue;
                int lo = l * _operands + o;
                accesses.Add(new LevelAccess(p.Levels[l].Name, p.Roles[o], _reads[lo], _writes[lo], _readBits[lo], _writeBits[lo], _energy[lo]));
            }
            if (l < p.OffChip)
                footprints.Add(new LevelFootprint(p.Levels[l].Name, _footprint[l], p.Levels[l].CapacityBits, (int)p.Instances[l],
                    p.HeldBy[l].All(o => _doubleBuffered[o][_levelIndex[o][l]])));
        }
        var ports = Enumerable.Range(0, _portStall.Length).Where(g => _portActive[g])
            .Select(g => new PortStall(p.Levels[p.PortLevel[g]].Name, p.PortName[g], _portStall[g])).ToImmutableArray();
        return (new TemporalMapping(loops, allocations.ToImmutable()), accesses.ToImmutable(), footprints.ToImmutable(), Latency with { Ports = ports });
    }
}
