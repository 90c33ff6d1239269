using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Workloads;

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
    ImmutableArray<string> ResourceNames, ImmutableArray<ResourceKind> ResourceKinds, ImmutableArray<string> ResourceGroups)
{
    /// <summary>
    /// Per task (by id) its energy and the bytes it moved, built on first read (a report or a trace; a search's
    /// candidates never read theirs); empty for a result built without them.
    /// </summary>
    public ImmutableArray<TaskCost> TaskCosts => TaskCostSource?.Value ?? [];

    /// <summary>Builds <see cref="TaskCosts"/> once, when first read.</summary>
    internal Lazy<ImmutableArray<TaskCost>>? TaskCostSource { get; init; }
}

/// <summary>
/// What one task cost: its energy by component (no static share), the bytes it read from or wrote to memory
/// devices (streamed operands and spills included) and the bytes it moved chiplet to chiplet.
/// </summary>
public readonly record struct TaskCost(EnergyBreakdown Energy, double DramBytes, double TransferBytes);

/// <summary>
/// Event-driven, task-level simulator. Resources: every core (one task at a time), every directed link of the
/// package, every memory device, and each on-chip memory instance (capacity and, when cores share it, ports; see
/// Simulator.Memory.cs). A task holds every
/// resource it needs for its whole duration (cut-through: a transfer holds all links of its route for
/// bytes ÷ the narrowest bandwidth + the route's latencies; a DRAM access holds its device and route), so a busy
/// resource serialises its users. Ready tasks start as soon as all their resources are free; contended
/// resources go to the waiting task with the lowest (priority, id). A task whose output does not fit waits
/// while a running task will free memory there, and otherwise makes room by eviction (fused graphs) or spills the
/// excess to DRAM. Events are completions ordered by (time, id), so results are deterministic.
/// </summary>
public sealed partial class Simulator(IOperatorCostModel costModel)
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

    /// <summary>An on-chip memory instance: its name for results, capacity and spill path.</summary>
    private sealed record Pool(string Name, long CapacityBytes, MemoryPath? Path, OnChipMemory Memory);

    /// <summary>Resource indices, durations, claims and energies of every task, computed once.</summary>
    private sealed class Setup
    {
        public readonly List<string> Names = [], Groups = [];
        public readonly List<ResourceKind> Kinds = [];
        public readonly int CoreCount;
        private readonly ImmutableArray<int>[] _coreClaim;
        public readonly Core[] Cores;
        public readonly string[] CoreChiplet;
        public readonly MemoryPath?[] CorePath;
        /// <summary>On-chip memory instances: one per core and outermost level, one per level for a sharing group.</summary>
        public readonly List<Pool> Pools = [];
        public readonly double[] Duration;
        public readonly ImmutableArray<int>[] Resources;
        /// <summary>The pool a task's output lands in (-1: none), and what share of shared pools' ports it uses.</summary>
        public readonly int[] HoldPool;
        public readonly ImmutableArray<(int Pool, double Share)>[] PortClaims;
        public readonly long[] OutBytes;
        /// <summary>Per task: its output is a copy of data in DRAM (a read), so evicting it needs no write-back.</summary>
        public readonly bool[] Clean;
        public readonly bool Evicts;
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
        /// <summary>Pool of (core, role slot): the three operand roles, then "no role" (the outermost level).</summary>
        private readonly int[,] _poolOf;
        private const int RoleSlots = 4;

        public Setup(Package package, TaskGraph graph, IOperatorCostModel costModel)
        {
            _package = package;
            var cores = CoreRef.All(package);
            CoreCount = cores.Length;
            Cores = [.. cores.Select(c => c.Core)];
            CoreChiplet = [.. cores.Select(c => c.Ref.Chiplet)];
            var paths = package.Chiplets.ToDictionary(c => c.Id, c => package.Memories.IsEmpty ? null : MemoryPath.Nearest(package, c.Id), StringComparer.Ordinal);
            CorePath = [.. cores.Select(c => paths[c.Ref.Chiplet])];
            foreach (var (r, _) in cores)
            {
                _coreIndex[r] = Names.Count;
                Add($"{r.Chiplet}/core{r.Core}", ResourceKind.Core, r.Chiplet);
            }
            _poolOf = new int[CoreCount, RoleSlots];
            var poolByKey = new Dictionary<(string, int), int>();
            for (int c = 0; c < CoreCount; c++)
                for (int slot = 0; slot < RoleSlots; slot++)
                {
                    var memory = OnChipMemories.Of(package, cores[c].Ref, Cores[c], slot < RoleSlots - 1 ? (OperandRole)slot : null);
                    if (!poolByKey.TryGetValue((memory.Owner, memory.Roles), out int pool))
                    {
                        poolByKey[(memory.Owner, memory.Roles)] = pool = Pools.Count;
                        // The core's outermost level keeps the core's name (as before pools were per level).
                        bool outermost = memory.Level is null || ReferenceEquals(memory.Level, Cores[c].Memories[^1]);
                        var name = Names[c] + (outermost ? "" : $" {memory.Level!.Name}") + (memory.Shared ? $" (shared by {memory.Owner})" : "");
                        Pools.Add(new Pool(name, memory.CapacityBytes, CorePath[c], memory));
                    }
                    _poolOf[c, slot] = pool;
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
            HoldPool = new int[n];
            Clean = new bool[n];
            PortClaims = new ImmutableArray<(int, double)>[n];
            Evicts = graph.EvictsByFutureUse;
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
                HoldPool[t.Id] = -1;
                Clean[t.Id] = t is DramTask { Write: false };
                PortClaims[t.Id] = [];
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
                    HoldPool[t.Id] = _poolOf[destination, o.Role is { } role ? (int)role : RoleSlots - 1];
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
            Duration[c.Id] = path is null ? cost.Cycles / hw.FrequencyHz : path.StreamingSeconds(cost, hw);
            PortClaims[c.Id] = SharedPortClaims(core, cost, Duration[c.Id]);
            if (path is null)
            {
                Resources[c.Id] = _coreClaim[core];
                return core;
            }
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

        /// <summary>
        /// The share of each shared pool's ports a task on <paramref name="core"/> keeps busy: the pool level's port time
        /// for the task's accesses there (from the cost model's mapping) over the task's duration.
        /// </summary>
        private ImmutableArray<(int Pool, double Share)> SharedPortClaims(int core, OperatorCost cost, double seconds)
        {
            if (cost.Details is not { } details || seconds <= 0) return [];
            var claims = ImmutableArray.CreateBuilder<(int, double)>();
            for (int slot = 0; slot < RoleSlots - 1; slot++)
            {
                int pool = _poolOf[core, slot];
                if (Pools[pool].Memory is not { Shared: true, Level: { } level } || claims.Any(c => c.Item1 == pool)) continue;
                double read = 0, write = 0;
                foreach (var a in details.Accesses)
                    if (a.Level == level.Name) (read, write) = (read + a.ReadBits, write + a.WriteBits);
                double share = level.TransferCycles(read, write) / Cores[core].FrequencyHz / seconds;
                if (share > 0) claims.Add((pool, Math.Min(1, share)));
            }
            return claims.ToImmutable();
        }

        private static double TreeStaticPower(IHardwareComponent node) =>
            node.StaticPowerW + node.Children.Sum(TreeStaticPower);
    }
}
