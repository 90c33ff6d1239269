using Tessera.Scoring;
using System.Collections.Immutable;
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
/// Evaluates temporal mappings of one <see cref="MappingProblem"/> analytically (ZigZag/Timeloop style). Holds scratch
/// arrays, so one instance serves one thread. Set an ordering with <see cref="SetOrdering"/>, then choose the loops each
/// level keeps (<see cref="AllocateGreedy"/> or <see cref="Cuts"/> directly) and call <see cref="Evaluate"/>.
/// </summary>
/// <remarks>
/// Rules. A level's tile is the operand's extent over the loops below its cut and the spatial factors its instance
/// serves. It is refilled each time a loop above it advances, except across the innermost run of loops above it that
/// are irrelevant to the operand (stationarity): fills = Π(loops above) / Π(that run). Each fill writes the tile into
/// every instance of the level and reads it once from the level above for all the instances that share it there
/// (broadcast along irrelevant unrolled dimensions; for outputs, spatial reduction along unrolled reduction dimensions).
/// Outputs go up on every fill and come back as partial sums except the first time:
/// reads above = (fills − Π relevant loops above) × tile. The PEs act as a level with no loops below.
/// A mapping whose footprint (Σ tiles of the operands a level holds, per instance) exceeds a level's capacity is
/// rejected. When twice the footprint fits, the level double-buffers and its refills overlap compute; otherwise the
/// array waits for them. Cycles = max(compute + those stalls, the busiest level's port time) + first-tile load +
/// last-tile offload, where stalls and port times leave out the first and last tiles (they are the load and offload).
/// </remarks>
internal sealed class MappingEvaluator
{
    private readonly MappingProblem _p;
    private readonly int _levels, _operands, _dims;
    private int _n;
    private int[] _loopDim = [];
    private double[] _loopFactor = [];
    private double[] _prefix = [];
    private double[] _suffix = [];
    private double[] _irrelevantRun = [];
    private double[] _relevantSuffix = [];
    private readonly double[] _reads, _writes, _refillReads, _refillWrites, _footprint;
    /// <summary>Bits of the first tile loaded and the last tile offloaded, per level: they are in the onload/offload time.</summary>
    private readonly double[] _edgeReads, _edgeWrites;
    private readonly int[] _runningCut;

    /// <summary>Loops (counted from the innermost) at or below each on-chip level; the off-chip level takes all.</summary>
    public int[] Cuts { get; }

    public int LoopCount => _n;
    public double OnloadCycles { get; private set; }
    public double OffloadCycles { get; private set; }

    public MappingEvaluator(MappingProblem problem)
    {
        _p = problem;
        _levels = problem.Levels.Length;
        _operands = problem.Operands;
        _dims = problem.Dims;
        _reads = new double[_levels * _operands];
        _writes = new double[_levels * _operands];
        _refillReads = new double[_levels];
        _refillWrites = new double[_levels];
        _footprint = new double[_levels];
        _edgeReads = new double[_levels];
        _edgeWrites = new double[_levels];
        _runningCut = new int[_operands];
        Cuts = new int[problem.OffChip];
    }

    /// <summary>Loops innermost first; precomputes loop sizes below every cut and reuse runs above it.</summary>
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
            _suffix = new double[n + 1];
            _irrelevantRun = new double[(n + 1) * _operands];
            _relevantSuffix = new double[(n + 1) * _operands];
        }
        _n = n;
        for (int d = 0; d < _dims; d++) _prefix[d] = 1;
        for (int i = 0; i < n; i++)
        {
            _loopDim[i] = dims[i];
            _loopFactor[i] = factors[i];
            Array.Copy(_prefix, i * _dims, _prefix, (i + 1) * _dims, _dims);
            _prefix[(i + 1) * _dims + dims[i]] *= factors[i];
        }
        _suffix[n] = 1;
        for (int o = 0; o < _operands; o++)
        {
            _irrelevantRun[n * _operands + o] = 1;
            _relevantSuffix[n * _operands + o] = 1;
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double f = _loopFactor[i];
            _suffix[i] = _suffix[i + 1] * f;
            int bit = 1 << _loopDim[i];
            for (int o = 0; o < _operands; o++)
            {
                bool relevant = (_p.RelevantMask[o] & bit) != 0;
                _irrelevantRun[i * _operands + o] = relevant ? 1 : f * _irrelevantRun[(i + 1) * _operands + o];
                _relevantSuffix[i * _operands + o] = relevant ? f * _relevantSuffix[(i + 1) * _operands + o] : _relevantSuffix[(i + 1) * _operands + o];
            }
        }
    }

    /// <summary>
    /// LOMA-style allocation: level by level from the innermost, keep as many of the remaining loops as fit in this level
    /// and, for the operands it holds, in every level above that holds them too.
    /// </summary>
    public void AllocateGreedy()
    {
        Array.Clear(_runningCut);
        for (int l = 0; l < Cuts.Length; l++)
        {
            // Footprints grow with the cut: binary search for the largest cut that fits.
            int lo = 0, hi = _n;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) / 2;
                if (Fits(l, mid)) lo = mid;
                else hi = mid - 1;
            }
            int c = lo;
            Cuts[l] = c;
            foreach (var o in _p.HeldBy[l])
                if (c > _runningCut[o]) _runningCut[o] = c;
        }
    }

    private bool Fits(int level, int cut)
    {
        var held = _p.HeldBy[level];
        for (int l = level; l < Cuts.Length; l++)
        {
            double bits = 0;
            foreach (var o in _p.HeldBy[l])
            {
                int c = Array.IndexOf(held, o) >= 0 ? Math.Max(cut, _runningCut[o]) : _runningCut[o];
                bits += _p.Extent(o, _prefix, c * _dims, l) * _p.Bits[o];
            }
            if (bits > _p.Levels[l].CapacityBits) return false;
        }
        return true;
    }

    /// <summary>Evaluates the current ordering and <see cref="Cuts"/>; infeasible when a level's footprint exceeds its capacity.</summary>
    public MappingScore Evaluate()
    {
        var p = _p;
        Array.Clear(_reads);
        Array.Clear(_writes);
        Array.Clear(_refillReads);
        Array.Clear(_refillWrites);
        Array.Clear(_footprint);
        Array.Clear(_edgeReads);
        Array.Clear(_edgeWrites);
        double onload = 0, offload = 0;
        for (int o = 0; o < _operands; o++)
        {
            bool output = p.Roles[o] == OperandRole.Output;
            double bits = p.Bits[o];
            int childCut = 0, child = -1;
            double childTile = 0;
            foreach (var parent in p.Hierarchy[o])
            {
                int row = childCut * _operands + o;
                double fills = _suffix[childCut] / _irrelevantRun[row];
                double firsts = _relevantSuffix[row];
                double parentTile = p.Extent(o, _prefix, childCut * _dims, parent) * p.Instances[parent];
                int pi = parent * _operands + o;
                if (output)
                {
                    _writes[pi] += fills * parentTile;
                    _reads[pi] += (fills - firsts) * parentTile;
                }
                else
                    _reads[pi] += fills * parentTile;
                if (child >= 0)
                {
                    double all = childTile * p.Instances[child];
                    int ci = child * _operands + o;
                    var c = p.Levels[child];
                    var q = p.Levels[parent];
                    if (output)
                    {
                        _reads[ci] += fills * all;
                        _writes[ci] += (fills - firsts) * all;
                        _refillReads[child] += fills * all * bits;
                        _refillWrites[child] += (fills - firsts) * all * bits;
                        offload += childTile * bits / Math.Min(c.ReadBitsPerCycle, q.WriteBitsPerCycle);
                        _edgeReads[child] += all * bits;
                        _edgeWrites[parent] += parentTile * bits;
                    }
                    else
                    {
                        _writes[ci] += fills * all;
                        _refillWrites[child] += fills * all * bits;
                        onload += childTile * bits / Math.Min(c.WriteBitsPerCycle, q.ReadBitsPerCycle);
                        _edgeWrites[child] += all * bits;
                        _edgeReads[parent] += parentTile * bits;
                    }
                }
                if (parent == p.OffChip) break;
                childCut = Math.Max(childCut, Cuts[parent]);
                child = parent;
                // This level's tile is both its footprint and what it exchanges with the level above.
                childTile = p.Extent(o, _prefix, childCut * _dims, parent);
                _footprint[parent] += childTile * bits;
            }
        }

        double energy = p.Nest.Macs * p.Core.Array.MacEnergyPj;
        double stalls = 0, slowest = 0;
        for (int l = 0; l < _levels; l++)
        {
            var level = p.Levels[l];
            if (l < p.OffChip && _footprint[l] > level.CapacityBits)
                return new MappingScore(false, double.PositiveInfinity, double.PositiveInfinity);
            double readBits = 0, writeBits = 0;
            for (int o = 0; o < _operands; o++)
            {
                readBits += _reads[l * _operands + o] * p.Bits[o];
                writeBits += _writes[l * _operands + o] * p.Bits[o];
            }
            energy += readBits * level.ReadEnergyPerBitPj + writeBits * level.WriteEnergyPerBitPj;
            double instances = p.Instances[l];
            // The first and last tiles are timed by onload/offload; the rest overlaps compute or stalls it.
            slowest = Math.Max(slowest, level.TransferCycles((readBits - _edgeReads[l]) / instances, (writeBits - _edgeWrites[l]) / instances));
            // Without room for a second tile, refills cannot overlap compute: the array waits for them.
            if (l < p.OffChip && 2 * _footprint[l] > level.CapacityBits)
                stalls += level.TransferCycles((_refillReads[l] - _edgeReads[l]) / instances, (_refillWrites[l] - _edgeWrites[l]) / instances);
        }
        OnloadCycles = onload;
        OffloadCycles = offload;
        double cycles = Math.Max(p.ComputeCycles + stalls, slowest) + onload + offload;
        return new MappingScore(true, energy, cycles);
    }

    /// <summary>The temporal mapping and access details of the last evaluation (slow path for reports).</summary>
    public (TemporalMapping Temporal, ImmutableArray<LevelAccess> Accesses, ImmutableArray<LevelFootprint> Footprints, double[] TransferCycles,
        double[] RefillCycles) Describe()
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
                cut = l == p.OffChip ? _n : Math.Max(cut, Cuts[l]);
                below.Add(cut);
            }
            allocations.Add(new OperandAllocation(p.Roles[o], [.. p.Hierarchy[o].Select(l => p.Levels[l].Name)], below.ToImmutable()));
        }
        var accesses = ImmutableArray.CreateBuilder<LevelAccess>();
        var footprints = ImmutableArray.CreateBuilder<LevelFootprint>();
        var transfer = new double[_levels];
        var refill = new double[_levels];
        for (int l = 0; l < _levels; l++)
        {
            var level = p.Levels[l];
            double levelReads = 0, levelWrites = 0;
            for (int o = 0; o < _operands; o++)
            {
                if (!p.Hierarchy[o].Contains(l)) continue;
                double r = _reads[l * _operands + o], w = _writes[l * _operands + o], b = p.Bits[o];
                levelReads += r * b;
                levelWrites += w * b;
                accesses.Add(new LevelAccess(level.Name, p.Roles[o], r, w, r * b, w * b,
                    r * b * level.ReadEnergyPerBitPj + w * b * level.WriteEnergyPerBitPj));
            }
            transfer[l] = level.TransferCycles((levelReads - _edgeReads[l]) / p.Instances[l], (levelWrites - _edgeWrites[l]) / p.Instances[l]);
            refill[l] = level.TransferCycles((_refillReads[l] - _edgeReads[l]) / p.Instances[l], (_refillWrites[l] - _edgeWrites[l]) / p.Instances[l]);
            if (l < p.OffChip)
                footprints.Add(new LevelFootprint(level.Name, _footprint[l], level.CapacityBits, (int)p.Instances[l],
                    2 * _footprint[l] <= level.CapacityBits, transfer[l]));
        }
        return (new TemporalMapping(loops, allocations.ToImmutable()), accesses.ToImmutable(), footprints.ToImmutable(), transfer, refill);
    }
}
