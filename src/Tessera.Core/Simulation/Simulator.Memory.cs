using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;

namespace Tessera.Simulation;

public sealed partial class Simulator
{
    /// <summary>
    /// On-chip memory of a run. Each pool (a core's outermost level per operand, or one instance shared by a group of
    /// cores) holds the outputs that land in it from their producer's start until their last consumer ends. A new
    /// output that does not fit waits while a running task will free room there; otherwise, with eviction on, resident
    /// data no running task uses goes to DRAM, fewest remaining uses × bytes first (Stream's rule), and comes back when
    /// its next user starts; what still does not fit is spilled (written and read back at once). Tasks on cores that
    /// share a pool also share its ports: each claims the share of port bandwidth its accesses need and waits while
    /// the others' claims leave less.
    /// </summary>
    private sealed partial class Run
    {
        private readonly long[] _used;
        /// <summary>Per pool: running tasks that read data held there (they will free it).</summary>
        private readonly int[] _runningReleasers;
        private readonly double[] _portUsed;
        private readonly List<int>[] _memoryWaiting, _portWaiting;
        private readonly HashSet<int>[] _resident;
        private readonly long[] _allocated, _evictedBytes;
        private readonly int[] _inUse;
        private readonly bool[] _done;
        /// <summary>Per task: bytes of its output spilled, bytes it evicted, bytes it read back.</summary>
        public readonly long[] Spilled, Evicted, ReadBack;
        /// <summary>Per task: DRAM bytes and energy (pJ) of its spills, evictions and read-backs.</summary>
        public readonly double[] ExtraDramBytes, ExtraDramPj, ExtraLinkPj;
        public readonly List<(double Time, long Bytes)>[] Occupancy;
        /// <summary>Port shares within this of full count as full (floating-point sums of shares).</summary>
        private const double PortEpsilon = 1e-9;

        /// <summary>Allocates a starting task's output (making room or spilling) and reads back data it needs; returns the extra seconds.</summary>
        private double Place(int t, int pool, double now)
        {
            double extra = _s.Evicts ? ReadBackInputs(t, now) : 0;
            if (pool < 0) return extra;
            long bytes = _s.OutBytes[t], fits = bytes, capacity = _s.Pools[pool].CapacityBytes;
            if (_contention && _used[pool] + bytes > capacity)
            {
                if (_s.Evicts) extra += Evict(t, pool, _used[pool] + bytes - capacity, now);
                if (_used[pool] + bytes > capacity)
                {
                    fits = Math.Max(0, capacity - _used[pool]);
                    Spilled[t] = bytes - fits;
                    var path = PathOf(pool, Spilled[t]);
                    // Data read from DRAM is still there: its excess is only read again, not written first.
                    int trips = _s.Evicts && _s.Clean[t] ? 1 : 2;
                    extra += trips * (Spilled[t] / path.BytesPerSecond + path.LatencySeconds);
                    Charge(t, path, (double)trips * Spilled[t]);
                }
            }
            _allocated[t] = fits;
            Change(pool, fits, now);
            if (_s.Evicts && fits > 0) _resident[pool].Add(t);
            return extra;
        }

        /// <summary>
        /// Moves resident data of <paramref name="pool"/> to DRAM until <paramref name="need"/> bytes are free: data no
        /// running task reads and task <paramref name="t"/> does not need, fewest remaining uses × bytes first, and of the
        /// last victim only the bytes still needed.
        /// </summary>
        private double Evict(int t, int pool, long need, double now)
        {
            var victims = _resident[pool]
                .Where(r => r != t && _done[r] && _inUse[r] == 0 && ImmutableArray.BinarySearch(_deps[t], r) < 0)
                .OrderBy(r => (double)_pendingConsumers[r] * _allocated[r]).ThenBy(r => r);
            long freed = 0, written = 0;
            foreach (var r in victims.ToList())
            {
                if (freed >= need) break;
                // Only what is needed leaves: the rest of a large victim stays.
                long bytes = Math.Min(_allocated[r], need - freed);
                _evictedBytes[r] += bytes;
                _allocated[r] -= bytes;
                if (!_s.Clean[r]) written += bytes; // a copy of DRAM data is dropped, not written back
                Change(pool, -bytes, now);
                if (_allocated[r] == 0) _resident[pool].Remove(r);
                freed += bytes;
            }
            Evicted[t] += freed;
            if (written == 0) return 0;
            var path = PathOf(pool, written);
            Charge(t, path, written);
            return written / path.BytesPerSecond + path.LatencySeconds;
        }

        /// <summary>
        /// Reads back the evicted data task <paramref name="t"/> needs, making room for it as for a new output; what
        /// still does not fit streams in for this task only and stays evicted.
        /// </summary>
        private double ReadBackInputs(int t, double now)
        {
            double seconds = 0;
            foreach (var d in _deps[t])
            {
                long bytes = _evictedBytes[d];
                int pool = _s.HoldPool[d];
                if (bytes == 0 || pool < 0) continue;
                ReadBack[t] += bytes;
                var path = PathOf(pool, bytes);
                Charge(t, path, bytes);
                seconds += bytes / path.BytesPerSecond + path.LatencySeconds;
                long capacity = _s.Pools[pool].CapacityBytes;
                if (_used[pool] + bytes > capacity && bytes <= capacity) seconds += Evict(t, pool, _used[pool] + bytes - capacity, now);
                if (_used[pool] + bytes > capacity) continue;
                _evictedBytes[d] = 0;
                _allocated[d] += bytes;
                Change(pool, bytes, now);
                _resident[pool].Add(d);
            }
            return seconds;
        }

        private MemoryPath PathOf(int pool, long bytes) => _s.Pools[pool].Path ?? throw new TesseraInputException(
            $"{_s.Pools[pool].Name} overflows its on-chip memory by {bytes} B and its package has no memory device to spill to");

        /// <summary>DRAM bytes and energy of moving <paramref name="bytes"/> between a pool and its memory device.</summary>
        private void Charge(int t, MemoryPath path, double bytes)
        {
            double bits = bytes * BitsPerByte;
            ExtraDramBytes[t] += bytes;
            ExtraDramPj[t] += bits * path.Device.EnergyPerBitPj;
            ExtraLinkPj[t] += bits * path.LinkEnergyPerBitPj;
        }

        /// <summary>True when every shared pool the task uses has the port share it needs; otherwise it waits for one.</summary>
        private bool PortsFree(int t)
        {
            foreach (var (pool, share) in _s.PortClaims[t])
                if (_portUsed[pool] > PortEpsilon && _portUsed[pool] + share > 1 + PortEpsilon)
                {
                    _portWaiting[pool].Add(t);
                    BlockedBy[t] = _s.Names.Count + pool;
                    return false;
                }
            return true;
        }

        private void ReleasePort(int pool, double share)
        {
            _portUsed[pool] = Math.Max(0, _portUsed[pool] - share);
            foreach (var w in _portWaiting[pool]) _candidates.Enqueue(w, Key(w));
            _portWaiting[pool].Clear();
        }

        private void Release(int t, int pool, double now)
        {
            Change(pool, -_allocated[t], now);
            _allocated[t] = _evictedBytes[t] = 0;
            _resident[pool].Remove(t);
            WakeMemory(pool);
        }

        private void WakeMemory(int pool)
        {
            foreach (var w in _memoryWaiting[pool]) _candidates.Enqueue(w, Key(w));
            _memoryWaiting[pool].Clear();
        }

        private void Change(int pool, long delta, double now)
        {
            if (delta == 0) return;
            _used[pool] += delta;
            var series = Occupancy[pool];
            if (series[^1].Time == now) series[^1] = (now, _used[pool]);
            else series.Add((now, _used[pool]));
        }
    }
}
