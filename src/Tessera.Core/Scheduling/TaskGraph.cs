using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>A core of a package: a chiplet instance id and the index of the core in its design.</summary>
public readonly record struct CoreRef(string Chiplet, int Core)
{
    public override string ToString() => $"{Chiplet}/{Core}";

    /// <summary>Every core of a package in declaration order.</summary>
    public static ImmutableArray<(CoreRef Ref, Core Core)> All(Package package) =>
        [.. package.Chiplets.SelectMany(ch => ch.Design.Cores.Select((core, i) => (new CoreRef(ch.Id, i), core)))];
}

/// <summary>
/// A tensor (or a slice, a tile, a set of weights) a task leaves on chip. <see cref="Role"/> picks the memory: the
/// outermost level holding that operand (a core with a separate weight buffer keeps weights there); without a role,
/// the core's outermost level.
/// </summary>
public sealed record TensorRef(string Name, long Bytes, OperandRole? Role = null);

/// <summary>
/// One task of a schedule. <see cref="Id"/> is its index in the graph; dependencies name earlier tasks only, so
/// the task list is a topological order. Lower <see cref="Priority"/> wins a contended resource; ties go to the
/// lower id. <see cref="MiniBatch"/> is the pipelined mini-batch (0 otherwise). <see cref="Output"/>, when set,
/// is held on the task's destination core from the task's start until every task that depends on it has ended.
/// </summary>
public abstract record SimTask(int Id, string Name, string Model, int Priority, ImmutableArray<int> Dependencies,
    TensorRef? Output, int MiniBatch);

/// <summary>
/// Work on a core: a loop nest (a whole operator, a slice or a tile) or vector work. With
/// <see cref="StreamsFrom"/> the task streams its operands from that memory device while it computes (the
/// layer-by-layer roofline: DRAM traffic overlaps compute and claims the device and its links); without it the
/// operands are already on chip (brought by transfer or DRAM tasks) and only compute and on-chip costs count.
/// </summary>
public sealed record ComputeTask(int Id, string Name, string Model, int Priority, ImmutableArray<int> Dependencies,
    TensorRef? Output, int MiniBatch, CoreRef Core, string Operator, LoopNest? Nest, VectorWork? Vector,
    string? StreamsFrom = null)
    : SimTask(Id, Name, Model, Priority, Dependencies, Output, MiniBatch)
{
    public long Macs => Nest?.Macs ?? 0;
}

/// <summary>Bytes from one core to another over the package route between their chiplets.</summary>
public sealed record TransferTask(int Id, string Name, string Model, int Priority, ImmutableArray<int> Dependencies,
    TensorRef? Output, int MiniBatch, CoreRef From, CoreRef To, long Bytes)
    : SimTask(Id, Name, Model, Priority, Dependencies, Output, MiniBatch);

/// <summary>Bytes read from (into <see cref="Core"/>) or written to a memory device, over the route from the core's chiplet.</summary>
public sealed record DramTask(int Id, string Name, string Model, int Priority, ImmutableArray<int> Dependencies,
    TensorRef? Output, int MiniBatch, string Device, CoreRef Core, long Bytes, bool Write)
    : SimTask(Id, Name, Model, Priority, Dependencies, Output, MiniBatch);

/// <summary>How a task graph was partitioned.</summary>
public enum PartitionMode { LayerByLayer, Fused, Pipelined, TensorParallel, System }

/// <summary>An immutable schedule to simulate: tasks in topological order and the models they belong to.</summary>
public sealed record TaskGraph
{
    public TaskGraph(PartitionMode mode, ImmutableArray<ModelInstance> models, ImmutableArray<SimTask> tasks)
    {
        for (int i = 0; i < tasks.Length; i++)
        {
            var t = tasks[i];
            if (t.Id != i)
                throw new TesseraInputException($"task '{t.Name}' has id {t.Id} at position {i}; expected ids equal to positions");
            foreach (var d in t.Dependencies)
                if (d < 0 || d >= i)
                    throw new TesseraInputException($"task '{t.Name}' depends on task {d}; expected an earlier task (a topological order)");
            if (t is ComputeTask c && (c.Nest is null) == (c.Vector is null))
                throw new TesseraInputException($"compute task '{t.Name}' needs exactly one of a loop nest and vector work");
        }
        Mode = mode;
        Models = models;
        Tasks = tasks;
    }

    public PartitionMode Mode { get; }
    public ImmutableArray<ModelInstance> Models { get; }
    public ImmutableArray<SimTask> Tasks { get; }

    /// <summary>Mini-batches of the model with the most (1 unless pipelined).</summary>
    public int MiniBatches { get; init; } = 1;

    /// <summary>Mini-batches of each model, in <see cref="Models"/> order; empty when every model has <see cref="MiniBatches"/>.</summary>
    public ImmutableArray<int> ModelMiniBatches { get; init; } = [];

    /// <summary>The mini-batches of model <paramref name="model"/> (its index).</summary>
    public int MiniBatchesOf(int model) => ModelMiniBatches.IsDefaultOrEmpty ? MiniBatches : ModelMiniBatches[model];

    /// <summary>
    /// How the simulator makes room when an output does not fit: true evicts resident data to DRAM, fewest future uses ×
    /// bytes first (Stream's rule), and reads it back for its next user; false (and whatever eviction cannot free)
    /// spills the excess of the new output, written and read back at once.
    /// </summary>
    public bool EvictsByFutureUse { get; init; }
}

/// <summary>
/// Mutable helper that assembles a <see cref="TaskGraph"/>: ids are handed out in order, so dependencies on
/// returned ids are always earlier tasks. Partitioners (and the layer-fusion tiler) build graphs with it.
/// </summary>
public sealed class TaskGraphBuilder(PartitionMode mode, IEnumerable<ModelInstance> models)
{
    private readonly List<SimTask> _tasks = [];
    private readonly ImmutableArray<ModelInstance> _models = [.. models];
    private readonly long _maxTasks = Limits.Current.Tasks;

    public int Count => _tasks.Count;

    /// <summary>Compute work on a core; the priority defaults to the id (creation order).</summary>
    public int Compute(string name, string model, CoreRef core, string op, LoopNest? nest, VectorWork? vector,
        IEnumerable<int> dependencies, TensorRef? output = null, string? streamsFrom = null, int miniBatch = 0, int? priority = null) =>
        Add(id => new ComputeTask(id, name, model, priority ?? id, Deps(dependencies), output, miniBatch, core, op, nest, vector, streamsFrom));

    /// <summary>Core-to-core bytes; the output (the bytes) lands on <paramref name="to"/>.</summary>
    public int Transfer(string name, string model, CoreRef from, CoreRef to, long bytes, IEnumerable<int> dependencies,
        bool holdOutput = true, int miniBatch = 0, int? priority = null, OperandRole? role = null) =>
        Add(id => new TransferTask(id, name, model, priority ?? id, Deps(dependencies),
            holdOutput ? new TensorRef(name, bytes, role) : null, miniBatch, from, to, bytes));

    /// <summary>Bytes from a memory device into a core, held there until the task's dependents end.</summary>
    public int DramRead(string name, string model, string device, CoreRef core, long bytes, IEnumerable<int> dependencies,
        int miniBatch = 0, int? priority = null, OperandRole? role = null) =>
        Add(id => new DramTask(id, name, model, priority ?? id, Deps(dependencies), new TensorRef(name, bytes, role), miniBatch,
            device, core, bytes, Write: false));

    /// <summary>Bytes from a core to a memory device.</summary>
    public int DramWrite(string name, string model, string device, CoreRef core, long bytes, IEnumerable<int> dependencies,
        int miniBatch = 0, int? priority = null) =>
        Add(id => new DramTask(id, name, model, priority ?? id, Deps(dependencies), null, miniBatch, device, core, bytes, Write: true));

    public TaskGraph Build(int miniBatches = 1, bool evictsByFutureUse = false) =>
        new(mode, _models, [.. _tasks]) { MiniBatches = miniBatches, EvictsByFutureUse = evictsByFutureUse };

    private int Add(Func<int, SimTask> create)
    {
        int id = _tasks.Count;
        // A graph past the budget would exhaust memory before it could be simulated; stop while it is being built.
        if (id >= _maxTasks)
            Limits.Check(null, $"the task graph of {string.Join(", ", _models.Select(m => m.Label))}", id + 1, _maxTasks, "tasks");
        _tasks.Add(create(id));
        return id;
    }

    /// <summary>Sorted, distinct, without the negative "no task" ids (hot: tile graphs have 10^5 tasks).</summary>
    private static ImmutableArray<int> Deps(IEnumerable<int> dependencies)
    {
        var list = new List<int>(dependencies is ICollection<int> c ? c.Count : 4);
        foreach (var d in dependencies)
            if (d >= 0) list.Add(d);
        if (list.Count == 0) return [];
        list.Sort();
        int n = 1;
        for (int i = 1; i < list.Count; i++)
            if (list[i] != list[n - 1]) list[n++] = list[i];
        var result = ImmutableArray.CreateBuilder<int>(n);
        for (int i = 0; i < n; i++) result.Add(list[i]);
        return result.MoveToImmutable();
    }
}
