using System.Collections.Immutable;
using Tessera.Scheduling;

namespace Tessera.Simulation;

public sealed partial class Simulator
{
    // ---------------------------------------------------------------------------------------------- the run

    /// <summary>The mutable state of one simulation (memory pools, eviction and shared ports: Simulator.Memory.cs).</summary>
    private sealed partial class Run
    {
        private readonly Setup _s;
        private readonly bool _contention;
        private readonly int _n;
        public readonly double[] Ready, Start, End;
        public readonly int[] BlockedBy;
        private readonly int[] _pendingDeps, _pendingConsumers;
        private readonly bool[] _busy;
        private readonly PriorityQueue<int, long>[] _waiting;
        private readonly PriorityQueue<int, (double, int)> _events = new(EventOrder.Instance);
        private readonly PriorityQueue<int, long> _candidates = new();
        private readonly List<int> _freed = [];
        private readonly int[] _priority;
        private readonly ImmutableArray<int>[] _deps;

        public Run(Setup s, bool contention)
        {
            _s = s;
            _contention = contention;
            _n = s.Duration.Length;
            Ready = new double[_n]; Start = new double[_n]; End = new double[_n];
            BlockedBy = new int[_n];
            _pendingDeps = new int[_n];
            _pendingConsumers = new int[_n];
            _priority = new int[_n];
            _deps = new ImmutableArray<int>[_n];
            _busy = new bool[s.Names.Count];
            _waiting = new PriorityQueue<int, long>[s.Names.Count];
            (_allocated, _evictedBytes, _inUse, _done) = (new long[_n], new long[_n], new int[_n], new bool[_n]);
            (Spilled, Evicted, ReadBack) = (new long[_n], new long[_n], new long[_n]);
            (ExtraDramBytes, ExtraDramPj, ExtraLinkPj) = (new double[_n], new double[_n], new double[_n]);
            int pools = s.Pools.Count;
            (_used, _runningReleasers, _portUsed) = (new long[pools], new int[pools], new double[pools]);
            (_memoryWaiting, _portWaiting, _resident) = (new List<int>[pools], new List<int>[pools], new HashSet<int>[pools]);
            Occupancy = new List<(double, long)>[pools];
            for (int p = 0; p < pools; p++)
            {
                (_memoryWaiting[p], _portWaiting[p], _resident[p]) = ([], [], []);
                Occupancy[p] = [(0, 0)];
            }
        }

        public void Load(TaskGraph graph)
        {
            foreach (var t in graph.Tasks)
            {
                _priority[t.Id] = t.Priority;
                _deps[t.Id] = t.Dependencies;
                _pendingDeps[t.Id] = t.Dependencies.Length;
                _pendingConsumers[t.Id] = _s.SuccessorStart[t.Id + 1] - _s.SuccessorStart[t.Id];
                BlockedBy[t.Id] = -1;
            }
        }

        public void Execute(CancellationToken cancellation)
        {
            for (int t = 0; t < _n; t++)
                if (_pendingDeps[t] == 0) _candidates.Enqueue(t, Key(t));
            TryCandidates(0);
            int processed = 0;
            while (_events.TryPeek(out _, out var key))
            {
                double now = key.Item1;
                // Complete every task that ends now before starting anything, so that ties are resolved by priority.
                while (_events.TryPeek(out var task, out var k) && k.Item1 == now)
                {
                    _events.Dequeue();
                    Complete(task, now);
                    if ((++processed & 0xFFFF) == 0) cancellation.ThrowIfCancellationRequested();
                }
                TryCandidates(now);
            }
            if (processed != _n)
                throw new InvalidOperationException($"{_n - processed} tasks never ran; the schedule is inconsistent");
        }

        /// <summary>Starts what can start now: newly ready tasks and the first waiter of every freed resource, by (priority, id).</summary>
        private void TryCandidates(double now)
        {
            while (true)
            {
                // A waiter taken from a freed resource may fail on another one; the next waiter then gets its turn.
                foreach (var r in _freed)
                    if (!_busy[r] && _waiting[r] is { Count: > 0 } q)
                    {
                        var next = q.Dequeue();
                        _candidates.Enqueue(next, Key(next));
                    }
                if (_candidates.Count == 0) break;
                while (_candidates.TryDequeue(out var t, out _)) TryStart(t, now);
            }
            _freed.Clear();
        }

        /// <summary>(priority, id) packed into one long so that the queues compare integers.</summary>
        private long Key(int t) => ((long)_priority[t] << 32) | (uint)t;

        private void TryStart(int t, double now)
        {
            var resources = _s.Resources[t];
            if (_contention)
            {
                foreach (var r in resources)
                    if (_busy[r])
                    {
                        (_waiting[r] ??= new()).Enqueue(t, Key(t));
                        BlockedBy[t] = r;
                        return;
                    }
                if (!PortsFree(t)) return;
            }
            int pool = _s.HoldPool[t];
            // Wait while a running task will free memory here; otherwise make room (or spill) when starting.
            if (pool >= 0 && _contention && _used[pool] + _s.OutBytes[t] > _s.Pools[pool].CapacityBytes && _runningReleasers[pool] > 0)
            {
                _memoryWaiting[pool].Add(t);
                BlockedBy[t] = _s.Names.Count + pool;
                return;
            }
            if (_contention)
            {
                foreach (var r in resources) _busy[r] = true;
                foreach (var (p, share) in _s.PortClaims[t]) _portUsed[p] += share;
            }
            Start[t] = now;
            End[t] = now + (_s.Duration[t] + Place(t, pool, now));
            foreach (var d in _deps[t])
                if (_s.HoldPool[d] >= 0)
                {
                    _runningReleasers[_s.HoldPool[d]]++;
                    _inUse[d]++;
                }
            _events.Enqueue(t, (End[t], t));
        }

        private void Complete(int t, double now)
        {
            if (_contention)
            {
                foreach (var r in _s.Resources[t])
                {
                    _busy[r] = false;
                    _freed.Add(r);
                }
                foreach (var (p, share) in _s.PortClaims[t]) ReleasePort(p, share);
            }
            foreach (var d in _deps[t])
            {
                int pool = _s.HoldPool[d];
                if (pool < 0) continue;
                _runningReleasers[pool]--;
                _inUse[d]--;
                if (--_pendingConsumers[d] == 0) Release(d, pool, now);
                else if (_runningReleasers[pool] == 0) WakeMemory(pool);
            }
            _done[t] = true;
            if (_s.HoldPool[t] >= 0 && _pendingConsumers[t] == 0) Release(t, _s.HoldPool[t], now);
            for (int j = _s.SuccessorStart[t]; j < _s.SuccessorStart[t + 1]; j++)
            {
                int next = _s.SuccessorIds[j];
                if (--_pendingDeps[next] > 0) continue;
                Ready[next] = now;
                _candidates.Enqueue(next, Key(next));
            }
        }
    }

    /// <summary>Completion events by time, then task id.</summary>
    private sealed class EventOrder : IComparer<(double Time, int Id)>
    {
        public static readonly EventOrder Instance = new();

        public int Compare((double Time, int Id) a, (double Time, int Id) b) =>
            a.Time < b.Time ? -1 : a.Time > b.Time ? 1 : a.Id.CompareTo(b.Id);
    }
}
