using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Workloads;
using Tessera.Scoring;

namespace Tessera.Simulation;

/// <summary>Simulator switches. Without contention every resource has infinite parallelism and memory no limit.</summary>
public sealed record SimulationOptions(bool Contention = true);

/// <summary>When one task became ready, started and ended.</summary>
public readonly record struct TaskTiming(double ReadySeconds, double StartSeconds, double EndSeconds);

/// <summary>
/// A simulated schedule: the evaluation, and what a trace needs — per task its timing and the resources it held
/// (indices into <see cref="ResourceNames"/>).
/// </summary>
public sealed record SimulationResult(EvaluationResult Evaluation, TaskGraph Graph, ImmutableArray<TaskTiming> Timings,
    ImmutableArray<ImmutableArray<int>> TaskResources,
    ImmutableArray<string> ResourceNames, ImmutableArray<ResourceKind> ResourceKinds, ImmutableArray<string> ResourceGroups);

/// <summary>
/// Event-driven, task-level simulator. Resources: every core (one task at a time), every directed link of the
/// package, every memory device, and each core's outermost on-chip memory (capacity). A task holds every
/// resource it needs for its whole duration (cut-through: a transfer holds all links of its route for
/// bytes ÷ the narrowest bandwidth + the route's latencies; a DRAM access holds its device and route), so a busy
/// resource serialises its users. Ready tasks start as soon as all their resources are free; contended
/// resources go to the waiting task with the lowest (priority, id). A task whose output does not fit waits
/// while a running task will free memory on its core, and otherwise spills the excess to DRAM (write and read
/// back charged). Events are completions ordered by (time, id), so results are deterministic.
/// </summary>
public sealed class Simulator(IOperatorCostModel costModel)
{
    private const double PicoToUnit = 1e-12;
    private const double BitsPerByte = 8;

    /// <summary>The off-chip level of a task whose operands are already on chip: no time, no energy.</summary>
    private static readonly MemoryLevel OnChipOnly = new("on-chip", long.MaxValue, double.PositiveInfinity, double.PositiveInfinity,
        0, 0, [OperandRole.Input, OperandRole.Weight, OperandRole.Output], [], SharedReadWritePort: true);

    public SimulationResult Simulate(string scenario, Package package, TaskGraph graph, SimulationOptions? options = null,
        CancellationToken cancellation = default)
    {
        options ??= new SimulationOptions();
        var setup = new Setup(package, graph, costModel);
        var run = new Run(setup, options.Contention);
        run.Load(graph);
        run.Execute(cancellation);
        return Report(scenario, package, graph, setup, run, options.Contention);
    }

    // ---------------------------------------------------------------------------------------------- static setup

    /// <summary>Resource indices, durations, claims and energies of every task, computed once.</summary>
    private sealed class Setup
    {
        public readonly List<string> Names = [], Groups = [];
        public readonly List<ResourceKind> Kinds = [];
        public readonly int CoreCount;
        private readonly ImmutableArray<int>[] _coreClaim;
        public readonly Core[] Cores;
        public readonly string[] CoreChiplet;
        public readonly long[] Capacity;
        public readonly MemoryPath?[] CorePath;
        public readonly double[] Duration;
        public readonly ImmutableArray<int>[] Resources;
        public readonly int[] HoldCore;
        public readonly long[] OutBytes;
        /// <summary>Dependents of task t: SuccessorIds[SuccessorStart[t] .. SuccessorStart[t + 1]).</summary>
        public readonly int[] SuccessorStart, SuccessorIds;
        public readonly int[] ModelIndex;
        public readonly double[] ComputePj, OnChipPj, DramPj, LinkPj, DramBytes, TransferBytes;
        public readonly OperatorCost?[] Costs;
        public readonly double StaticWatts;

        private readonly Dictionary<CoreRef, int> _coreIndex = [];
        private readonly Dictionary<Link, int> _linkIndex = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, int> _deviceIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string), (ImmutableArray<int> Links, double Bw, double Latency, double Pj)> _routes = [];
        private readonly Dictionary<(LoopNest?, VectorWork?, int, int), OperatorCost> _costs = [];
        private readonly Package _package;

        public Setup(Package package, TaskGraph graph, IOperatorCostModel costModel)
        {
            _package = package;
            var cores = CoreRef.All(package);
            CoreCount = cores.Length;
            Cores = [.. cores.Select(c => c.Core)];
            CoreChiplet = [.. cores.Select(c => c.Ref.Chiplet)];
            Capacity = [.. cores.Select(c => c.Core.Memories.IsEmpty ? long.MaxValue : c.Core.Memories[^1].CapacityBits / (long)BitsPerByte)];
            var paths = package.Chiplets.ToDictionary(c => c.Id, c => package.Memories.IsEmpty ? null : MemoryPath.Nearest(package, c.Id), StringComparer.Ordinal);
            CorePath = [.. cores.Select(c => paths[c.Ref.Chiplet])];
            foreach (var (r, _) in cores)
            {
                _coreIndex[r] = Names.Count;
                Add($"{r.Chiplet}/core{r.Core}", ResourceKind.Core, r.Chiplet);
            }
            _coreClaim = [.. Enumerable.Range(0, CoreCount).Select(c => ImmutableArray.Create(c))];
            foreach (var link in package.Links)
            {
                _linkIndex[link] = Names.Count;
                Add($"{link.From}→{link.To}", ResourceKind.Link, "links");
                Add($"{link.To}→{link.From}", ResourceKind.Link, "links");
            }
            foreach (var device in package.Memories)
            {
                _deviceIndex[device.Id] = Names.Count;
                Add(device.Id, ResourceKind.Dram, "dram");
            }
            StaticWatts = TreeStaticPower(package);

            int n = graph.Tasks.Length;
            Duration = new double[n];
            Resources = new ImmutableArray<int>[n];
            HoldCore = new int[n];
            OutBytes = new long[n];
            ComputePj = new double[n]; OnChipPj = new double[n]; DramPj = new double[n]; LinkPj = new double[n];
            DramBytes = new double[n]; TransferBytes = new double[n];
            Costs = new OperatorCost?[n];
            SuccessorStart = new int[n + 1];
            foreach (var t in graph.Tasks)
                foreach (var d in t.Dependencies) SuccessorStart[d + 1]++;
            for (int i = 0; i < n; i++) SuccessorStart[i + 1] += SuccessorStart[i];
            SuccessorIds = new int[SuccessorStart[n]];
            var fill = SuccessorStart[..n];
            ModelIndex = new int[n];
            var models = graph.Models.Select((m, i) => (m.Label, i)).ToDictionary(p => p.Label, p => p.i, StringComparer.Ordinal);
            string? lastModel = null;
            int lastModelIndex = -1;
            foreach (var t in graph.Tasks)
            {
                foreach (var d in t.Dependencies) SuccessorIds[fill[d]++] = t.Id;
                // Tasks of one model share its label string: compare references before hashing.
                if (!ReferenceEquals(t.Model, lastModel))
                    (lastModel, lastModelIndex) = (t.Model, models.TryGetValue(t.Model, out var mi) ? mi : -1);
                ModelIndex[t.Id] = lastModelIndex;
                HoldCore[t.Id] = -1;
                // Each setter returns the core where the task's output lands.
                int destination = t switch
                {
                    ComputeTask c => SetCompute(c, costModel),
                    TransferTask x => SetTransfer(x),
                    DramTask d => SetDram(d),
                    _ => throw new TesseraInputException($"task '{t.Name}' is of an unknown kind"),
                };
                if (t.Output is { Bytes: > 0 } o)
                {
                    OutBytes[t.Id] = o.Bytes;
                    HoldCore[t.Id] = destination;
                }
            }
        }

        private void Add(string name, ResourceKind kind, string group)
        {
            Names.Add(name);
            Kinds.Add(kind);
            Groups.Add(group);
        }

        private readonly Dictionary<CoreRef, int> _coreBySameString = new(SameChipletString.Instance);

        public int CoreOf(CoreRef r)
        {
            // Tasks mostly share the package's id strings: a reference-hashed lookup first, the ordinal one once per string.
            if (_coreBySameString.TryGetValue(r, out var i)) return i;
            if (!_coreIndex.TryGetValue(r, out i))
                throw new TesseraInputException($"a task names core {r}, which package '{_package.Name}' lacks");
            _coreBySameString[r] = i;
            return i;
        }

        private sealed class SameChipletString : IEqualityComparer<CoreRef>
        {
            public static readonly SameChipletString Instance = new();

            public bool Equals(CoreRef a, CoreRef b) => ReferenceEquals(a.Chiplet, b.Chiplet) && a.Core == b.Core;

            public int GetHashCode(CoreRef r) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(r.Chiplet) ^ r.Core;
        }

        private int DeviceOf(string id) => _deviceIndex.TryGetValue(id, out var i) ? i
            : throw new TesseraInputException($"a task names memory device '{id}', which package '{_package.Name}' lacks");

        /// <summary>Directed links of the route, its narrowest bandwidth, summed latency and pJ/bit (all links).</summary>
        private (ImmutableArray<int> Links, double Bw, double Latency, double Pj) Route(string from, string to)
        {
            if (_routes.TryGetValue((from, to), out var cached)) return cached;
            var route = _package.Route(from, to)
                ?? throw new TesseraInputException($"no route from '{from}' to '{to}' in package '{_package.Name}'");
            var links = ImmutableArray.CreateBuilder<int>(route.Length);
            var at = from;
            foreach (var link in route)
            {
                bool forward = link.From == at;
                links.Add(_linkIndex[link] + (forward ? 0 : 1));
                at = forward ? link.To : link.From;
            }
            var result = (links.MoveToImmutable(), route.IsEmpty ? double.PositiveInfinity : route.Min(l => l.BandwidthBytesPerSecond),
                route.Sum(l => l.LatencySeconds), route.Sum(l => l.EnergyPerBitPj));
            _routes[(from, to)] = result;
            return result;
        }

        private int SetCompute(ComputeTask c, IOperatorCostModel costModel)
        {
            int core = CoreOf(c.Core);
            int device = c.StreamsFrom is null ? -1 : DeviceOf(c.StreamsFrom);
            var key = (c.Nest, c.Vector, core, device);
            var chiplet = CoreChiplet[core];
            var hw = Cores[core];
            MemoryPath? path = null;
            if (device >= 0)
            {
                var dev = _package.Memories.First(m => m.Id == c.StreamsFrom);
                var (_, bw, latency, pj) = Route(chiplet, dev.Id);
                path = new MemoryPath(dev, Math.Min(bw, dev.BandwidthBytesPerSecond), dev.LatencySeconds + latency, pj);
            }
            if (!_costs.TryGetValue(key, out var cost))
            {
                var offChip = path?.OffChipLevel(hw) ?? OnChipOnly;
                cost = c.Nest is not null ? costModel.Evaluate(c.Nest, hw, offChip) : costModel.Evaluate(c.Vector!, hw, offChip);
                _costs[key] = cost;
            }
            Costs[c.Id] = cost;
            ComputePj[c.Id] = cost.Energy.ComputePj;
            OnChipPj[c.Id] = cost.Energy.OnChipMemoryPj;
            if (path is null)
            {
                Duration[c.Id] = cost.Cycles / hw.FrequencyHz;
                Resources[c.Id] = _coreClaim[core];
                return core;
            }
            Duration[c.Id] = path.StreamingSeconds(cost, hw);
            DramPj[c.Id] = cost.Energy.OffChipMemoryPj;
            DramBytes[c.Id] = cost.OffChipBytes;
            LinkPj[c.Id] = cost.OffChipBytes * BitsPerByte * path.LinkEnergyPerBitPj;
            // Streaming claims the device and the route in each direction it uses.
            var claims = ImmutableArray.CreateBuilder<int>();
            claims.Add(core);
            if (cost.OffChipBytes > 0) claims.Add(device);
            if (cost.OffChipReadBits > 0) claims.AddRange(Route(path.Device.Id, chiplet).Links);
            if (cost.OffChipWriteBits > 0) claims.AddRange(Route(chiplet, path.Device.Id).Links);
            Resources[c.Id] = claims.ToImmutable();
            return core;
        }

        private readonly Dictionary<long, (ImmutableArray<int> Links, double Bw, double Latency, double Pj)> _coreRoutes = [];

        private int SetTransfer(TransferTask x)
        {
            int from = CoreOf(x.From), to = CoreOf(x.To);
            long key = (long)from * CoreCount + to;
            if (!_coreRoutes.TryGetValue(key, out var route))
                _coreRoutes[key] = route = Route(CoreChiplet[from], CoreChiplet[to]);
            var (links, bw, latency, pj) = route;
            // Cores of one chiplet share its memory: no package link is crossed.
            Duration[x.Id] = links.IsEmpty ? 0 : x.Bytes / bw + latency;
            Resources[x.Id] = links;
            LinkPj[x.Id] = x.Bytes * BitsPerByte * pj;
            TransferBytes[x.Id] = links.IsEmpty ? 0 : x.Bytes;
            return to;
        }

        private int SetDram(DramTask d)
        {
            int device = DeviceOf(d.Device);
            var dev = _package.Memories.First(m => m.Id == d.Device);
            int core = CoreOf(d.Core);
            var chiplet = CoreChiplet[core];
            var (links, bw, latency, pj) = d.Write ? Route(chiplet, dev.Id) : Route(dev.Id, chiplet);
            Duration[d.Id] = d.Bytes / Math.Min(bw, dev.BandwidthBytesPerSecond) + latency + dev.LatencySeconds;
            Resources[d.Id] = [device, .. links];
            DramPj[d.Id] = d.Bytes * BitsPerByte * dev.EnergyPerBitPj;
            LinkPj[d.Id] = d.Bytes * BitsPerByte * pj;
            DramBytes[d.Id] = d.Bytes;
            return core;
        }

        private static double TreeStaticPower(IHardwareComponent node) =>
            node.StaticPowerW + node.Children.Sum(TreeStaticPower);
    }

    // ---------------------------------------------------------------------------------------------- the run

    /// <summary>The mutable state of one simulation.</summary>
    private sealed class Run
    {
        private readonly Setup _s;
        private readonly bool _contention;
        private readonly int _n;
        public readonly double[] Ready, Start, End;
        public readonly long[] Spilled;
        public readonly int[] BlockedBy;
        private readonly int[] _pendingDeps, _pendingConsumers;
        private readonly long[] _allocated;
        private readonly bool[] _busy;
        private readonly PriorityQueue<int, long>[] _waiting;
        private readonly long[] _used;
        private readonly int[] _runningReleasers;
        private readonly List<int>[] _memoryWaiting;
        private readonly PriorityQueue<int, (double, int)> _events = new(EventOrder.Instance);
        private readonly PriorityQueue<int, long> _candidates = new();
        private readonly List<int> _freed = [];
        private readonly int[] _priority;
        private readonly ImmutableArray<int>[] _deps;
        public readonly List<(double Time, long Bytes)>[] Occupancy;

        public Run(Setup s, bool contention)
        {
            _s = s;
            _contention = contention;
            _n = s.Duration.Length;
            Ready = new double[_n]; Start = new double[_n]; End = new double[_n];
            Spilled = new long[_n];
            BlockedBy = new int[_n];
            _pendingDeps = new int[_n];
            _pendingConsumers = new int[_n];
            _allocated = new long[_n];
            _priority = new int[_n];
            _deps = new ImmutableArray<int>[_n];
            _busy = new bool[s.Names.Count];
            _waiting = new PriorityQueue<int, long>[s.Names.Count];
            _used = new long[s.CoreCount];
            _runningReleasers = new int[s.CoreCount];
            _memoryWaiting = new List<int>[s.CoreCount];
            Occupancy = new List<(double, long)>[s.CoreCount];
            for (int c = 0; c < s.CoreCount; c++)
            {
                _memoryWaiting[c] = [];
                Occupancy[c] = [(0, 0)];
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
                foreach (var r in resources)
                    if (_busy[r])
                    {
                        (_waiting[r] ??= new()).Enqueue(t, Key(t));
                        BlockedBy[t] = r;
                        return;
                    }
            int core = _s.HoldCore[t];
            long bytes = _s.OutBytes[t], fits = bytes;
            if (core >= 0 && _contention && _used[core] + bytes > _s.Capacity[core])
            {
                // Wait while a running task will free memory here; otherwise spill what does not fit.
                if (_runningReleasers[core] > 0)
                {
                    _memoryWaiting[core].Add(t);
                    BlockedBy[t] = _s.Names.Count + core;
                    return;
                }
                fits = Math.Max(0, _s.Capacity[core] - _used[core]);
                Spilled[t] = bytes - fits;
            }
            if (_contention)
                foreach (var r in resources) _busy[r] = true;
            Start[t] = now;
            double duration = _s.Duration[t];
            if (Spilled[t] > 0)
            {
                var path = _s.CorePath[core] ?? throw new TesseraInputException(
                    $"{_s.Names[core]} overflows its on-chip memory by {Spilled[t]} B and its package has no memory device to spill to");
                duration += 2 * (Spilled[t] / path.BytesPerSecond + path.LatencySeconds);
            }
            End[t] = now + duration;
            if (core >= 0)
            {
                _allocated[t] = fits;
                Change(core, fits, now);
            }
            foreach (var d in _deps[t])
                if (_s.HoldCore[d] >= 0) _runningReleasers[_s.HoldCore[d]]++;
            _events.Enqueue(t, (End[t], t));
        }

        private void Complete(int t, double now)
        {
            if (_contention)
                foreach (var r in _s.Resources[t])
                {
                    _busy[r] = false;
                    _freed.Add(r);
                }
            foreach (var d in _deps[t])
            {
                int core = _s.HoldCore[d];
                if (core < 0) continue;
                _runningReleasers[core]--;
                if (--_pendingConsumers[d] == 0) Release(d, core, now);
                else if (_runningReleasers[core] == 0) WakeMemory(core);
            }
            if (_s.HoldCore[t] >= 0 && _pendingConsumers[t] == 0) Release(t, _s.HoldCore[t], now);
            for (int j = _s.SuccessorStart[t]; j < _s.SuccessorStart[t + 1]; j++)
            {
                int next = _s.SuccessorIds[j];
                if (--_pendingDeps[next] > 0) continue;
                Ready[next] = now;
                _candidates.Enqueue(next, Key(next));
            }
        }

        private void Release(int t, int core, double now)
        {
            Change(core, -_allocated[t], now);
            _allocated[t] = 0;
            WakeMemory(core);
        }

        private void WakeMemory(int core)
        {
            foreach (var w in _memoryWaiting[core]) _candidates.Enqueue(w, Key(w));
            _memoryWaiting[core].Clear();
        }

        private void Change(int core, long delta, double now)
        {
            if (delta == 0) return;
            _used[core] += delta;
            var series = Occupancy[core];
            if (series[^1].Time == now) series[^1] = (now, _used[core]);
            else series.Add((now, _used[core]));
        }
    }

    /// <summary>Completion events by time, then task id.</summary>
    private sealed class EventOrder : IComparer<(double Time, int Id)>
    {
        public static readonly EventOrder Instance = new();

        public int Compare((double Time, int Id) a, (double Time, int Id) b) =>
            a.Time < b.Time ? -1 : a.Time > b.Time ? 1 : a.Id.CompareTo(b.Id);
    }

    // ---------------------------------------------------------------------------------------------- results

    private SimulationResult Report(string scenario, Package package, TaskGraph graph, Setup s, Run run, bool contention)
    {
        int n = graph.Tasks.Length;
        double makespan = n == 0 ? 0 : run.End.Max();
        int modelCount = graph.Models.Length;
        var opTypes = graph.Models.Select(m => m.Graph.Operators.ToDictionary(o => o.Name, o => o.OpType, StringComparer.Ordinal)).ToArray();
        var placements = ImmutableArray.CreateBuilder<OperatorPlacement>();
        // Joules by model (the last row: tasks of no model) and component: compute, on-chip, DRAM, links.
        var joules = new double[modelCount + 1, 4];
        var modelEnd = new double[modelCount];
        var batchEnd = new double[modelCount, graph.MiniBatches];
        double waiting = 0, dramBytes = 0, transferBytes = 0;
        long spilled = 0;
        int resourceCount = s.Names.Count;
        var busy = new double[resourceCount + s.CoreCount];
        var count = new int[resourceCount + s.CoreCount];
        var waitOn = new double[resourceCount + s.CoreCount];
        var timings = ImmutableArray.CreateBuilder<TaskTiming>(n);
        foreach (var t in graph.Tasks)
        {
            int i = t.Id, m = s.ModelIndex[i];
            double spillBits = run.Spilled[i] * 2 * BitsPerByte;
            var path = spillBits > 0 ? s.CorePath[s.HoldCore[i]] : null; // spills imply a path
            double computeJ = s.ComputePj[i] * PicoToUnit, onChipJ = s.OnChipPj[i] * PicoToUnit;
            double dramJ = (s.DramPj[i] + (path is null ? 0 : spillBits * path.Device.EnergyPerBitPj)) * PicoToUnit;
            double linkJ = (s.LinkPj[i] + (path is null ? 0 : spillBits * path.LinkEnergyPerBitPj)) * PicoToUnit;
            int row = m >= 0 ? m : modelCount;
            joules[row, 0] += computeJ;
            joules[row, 1] += onChipJ;
            joules[row, 2] += dramJ;
            joules[row, 3] += linkJ;
            if (m >= 0)
            {
                modelEnd[m] = Math.Max(modelEnd[m], run.End[i]);
                if (t.MiniBatch < graph.MiniBatches) batchEnd[m, t.MiniBatch] = Math.Max(batchEnd[m, t.MiniBatch], run.End[i]);
            }
            double wait = run.Start[i] - run.Ready[i];
            waiting += wait;
            if (run.BlockedBy[i] >= 0) waitOn[run.BlockedBy[i]] += wait;
            dramBytes += s.DramBytes[i] + 2.0 * run.Spilled[i];
            transferBytes += s.TransferBytes[i];
            spilled += run.Spilled[i];
            foreach (var r in s.Resources[i])
            {
                busy[r] += run.End[i] - run.Start[i];
                count[r]++;
            }
            timings.Add(new TaskTiming(run.Ready[i], run.Start[i], run.End[i]));
            if (t is ComputeTask c)
            {
                var cost = s.Costs[i]!;
                var type = m >= 0 && opTypes[m].TryGetValue(c.Operator, out var found) ? found : "";
                placements.Add(new OperatorPlacement(c.Model, c.Name, type, c.Core.Chiplet, s.Cores[s.CoreOf(c.Core)].Name,
                    run.Start[i], run.End[i], c.Macs, cost.Utilisation, cost.BoundBy, new EnergyBreakdown(computeJ, onChipJ, dramJ, linkJ, 0)));
            }
        }
        EnergyBreakdown Row(int row) => new(joules[row, 0], joules[row, 1], joules[row, 2], joules[row, 3], 0);
        var total = Enumerable.Range(0, modelCount + 1).Aggregate(EnergyBreakdown.Zero, (e, row) => e + Row(row));
        var energy = total with { StaticJ = s.StaticWatts * makespan };
        var models = graph.Models.Select((model, m) =>
        {
            var ends = Enumerable.Range(0, graph.MiniBatches).Select(b => batchEnd[m, b]).Order().ToArray();
            double latency = modelEnd[m];
            double throughput = ends.Length > 1 && ends[^1] > ends[0] ? (ends.Length - 1) / (ends[^1] - ends[0])
                : latency > 0 ? 1 / latency : 0;
            return new ModelResult(model.Label, model.Batch, model.Graph.Macs, latency, Row(m))
            {
                MiniBatches = graph.MiniBatches,
                ThroughputPerSecond = throughput,
            };
        }).ToImmutableArray();

        var usage = ImmutableArray.CreateBuilder<ResourceUsage>();
        for (int r = 0; r < resourceCount + s.CoreCount; r++)
        {
            bool memory = r >= resourceCount;
            if (count[r] == 0 && waitOn[r] == 0) continue;
            usage.Add(new ResourceUsage(memory ? $"{s.Names[r - resourceCount]}/memory" : s.Names[r],
                memory ? ResourceKind.Memory : s.Kinds[r], count[r], busy[r], makespan > 0 ? busy[r] / makespan : 0, waitOn[r]));
        }
        var memorySeries = ImmutableArray.CreateBuilder<MemoryOccupancy>();
        for (int c = 0; c < s.CoreCount; c++)
        {
            var series = run.Occupancy[c];
            if (series.Count <= 1) continue;
            memorySeries.Add(new MemoryOccupancy(s.Names[c], s.Capacity[c], series.Max(p => p.Bytes),
                [.. series.Select(p => p.Time)], [.. series.Select(p => p.Bytes)]));
        }

        var result = new EvaluationResult(scenario, package.Name, costModel.Name, makespan, energy, models, placements.ToImmutable())
        {
            Partition = Partitioners.Spelling(graph.Mode),
            Contention = contention,
            Tasks = n,
            WaitingSeconds = waiting,
            CriticalPathWaitingSeconds = CriticalPathWaiting(graph, run),
            DramBytes = dramBytes,
            TransferBytes = transferBytes,
            SpilledBytes = spilled,
            Resources = usage.ToImmutable(),
            Memory = memorySeries.ToImmutable(),
        };
        return new SimulationResult(result, graph, timings.MoveToImmutable(), ImmutableCollectionsMarshal.AsImmutableArray(s.Resources),
            [.. s.Names], [.. s.Kinds], [.. s.Groups]);
    }

    /// <summary>Walks back from the last task to end through the dependency that made each task ready, summing waits.</summary>
    private static double CriticalPathWaiting(TaskGraph graph, Run run)
    {
        if (graph.Tasks.IsEmpty) return 0;
        int t = 0;
        for (int i = 1; i < run.End.Length; i++)
            if (run.End[i] > run.End[t]) t = i;
        double waiting = 0;
        while (true)
        {
            waiting += run.Start[t] - run.Ready[t];
            var deps = graph.Tasks[t].Dependencies;
            if (deps.IsEmpty) return waiting;
            int best = deps[0];
            foreach (var d in deps)
                if (run.End[d] > run.End[best]) best = d;
            t = best;
        }
    }
}
