using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Chiplets;

/// <summary>
/// One distinct operator shape of a suite: a MAC loop nest or vector work, with its value key (equal shapes share
/// one key whatever the operator is called).
/// </summary>
public sealed record OperatorShape(string Key, string Example, LoopNest? Nest, VectorWork? Work);

/// <summary>An application of the suite: a zoo model in a phase, and how often each operator shape occurs in it.</summary>
public sealed record SuiteModel(string Name, ImmutableArray<(string ShapeKey, int Count)> Occurrences)
{
    /// <summary>The profiled operators in the graph's topological order: the chain that fusion groups cut.</summary>
    public ImmutableArray<ChainStep> Chain { get; init; } = [];

    /// <summary>The model graph (for building and simulating its package).</summary>
    public ModelGraph? Graph { get; init; }
}

/// <summary>
/// One profiled operator of a model's chain: its index among the graph's operators, its shape, the bytes it
/// produces, the chain steps that consume them and the bytes of its parameters.
/// </summary>
public sealed record ChainStep(int GraphIndex, string ShapeKey, long OutputBytes, ImmutableArray<int> Consumers, long WeightBytes);

/// <summary>What one operator shape costs on one candidate (energy in pJ by component). Infeasible: no mapping fits.</summary>
public sealed record OperatorProfile(bool Feasible, double Cycles, double ComputePj, double OnChipPj, double OffChipPj, double OffChipBytes)
{
    public static readonly OperatorProfile Infeasible = new(false, 0, 0, 0, 0, 0);

    public double EnergyPj => ComputePj + OnChipPj + OffChipPj;

    public static OperatorProfile From(OperatorCost c) =>
        new(true, c.Cycles, c.Energy.ComputePj, c.Energy.OnChipMemoryPj, c.Energy.OffChipMemoryPj, c.OffChipBytes);
}

/// <summary>A model's totals on one candidate: the sum over its operators (infinite when one has no mapping).</summary>
public sealed record ModelTotals(double Cycles, double EnergyPj, double Seconds);

/// <summary>The cost table of a suite on a set of candidates, and how much of it came from the cache.</summary>
public sealed record ProfileTable(
    ImmutableArray<ChipletCandidate> Candidates,
    ImmutableArray<SuiteModel> Models,
    ImmutableDictionary<string, OperatorShape> Shapes,
    ImmutableDictionary<(string Candidate, string Shape), OperatorProfile> Profiles,
    int Evaluated,
    int FromCache)
{
    /// <summary>A model's cycles, energy and time on a candidate.</summary>
    public ModelTotals Totals(SuiteModel model, ChipletCandidate candidate)
    {
        double cycles = 0, energy = 0;
        foreach (var (shape, count) in model.Occurrences)
        {
            var p = Profiles[(candidate.Name, shape)];
            if (!p.Feasible) return new ModelTotals(double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity);
            cycles += p.Cycles * count;
            energy += p.EnergyPj * count;
        }
        return new ModelTotals(cycles, energy, cycles / candidate.Core.FrequencyHz);
    }

    /// <summary>The candidate with the least energy (or the least latency) for a model.</summary>
    public ChipletCandidate Best(SuiteModel model, bool byLatency) =>
        Candidates.MinBy(c => byLatency ? Totals(model, c).Seconds : Totals(model, c).EnergyPj)!;
}

/// <summary>
/// Operator-level profiling (Mozart's characterisation step): every distinct operator shape of a suite on every
/// candidate, costed by an <see cref="IOperatorCostModel"/> behind one memory of <see cref="CandidateGenerator.MemoryType"/>,
/// read from and written to an optional <see cref="ProfileCache"/>.
/// </summary>
public sealed class OperatorProfiler(TechnologyLibrary technology, IOperatorCostModel costModel, ProfileCache? cache = null)
{
    /// <summary>The version stored with each profile: the cost model's identity (its rules' version and settings).</summary>
    public string Version => costModel.Identity;

    /// <summary>The default suite: a CNN, and a transformer in prefill and in decode.</summary>
    public static ImmutableArray<string> DefaultSuite { get; } = ["resnet18", "gpt2-small", "gpt2-small:decode"];

    /// <summary>
    /// Builds the suite's models (zoo names, "name:decode" or "name:prefill" for transformers) at the candidates'
    /// precision and collects their distinct operator shapes.
    /// </summary>
    public (ImmutableArray<SuiteModel> Models, ImmutableDictionary<string, OperatorShape> Shapes) Suite(IEnumerable<string> names)
    {
        var bits = (int)technology.Value("ecosystem.mac_bits");
        var shapes = new Dictionary<string, OperatorShape>(StringComparer.Ordinal);
        var models = ImmutableArray.CreateBuilder<SuiteModel>();
        foreach (var entry in names)
        {
            var parts = entry.Trim().Split(':');
            var phase = parts.Length == 1 ? TransformerPhase.Prefill : parts[1].ToLowerInvariant() switch
            {
                "prefill" => TransformerPhase.Prefill,
                "decode" => TransformerPhase.Decode,
                _ => throw new TesseraInputException($"suite entry '{entry}': unknown phase '{parts[1]}'; expected prefill or decode"),
            };
            var graph = ModelZoo.Create(parts[0], new ModelOptions(Bits: bits, Phase: phase));
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var steps = new List<(int Index, Operator Op, string Shape)>();
            for (int i = 0; i < graph.Operators.Length; i++)
            {
                var op = graph.Operators[i];
                if (ShapeOf(graph, op) is not { } shape) continue;
                shapes.TryAdd(shape.Key, shape);
                counts[shape.Key] = counts.GetValueOrDefault(shape.Key) + 1;
                steps.Add((i, op, shape.Key));
            }
            models.Add(new SuiteModel(entry.Trim(), [.. counts.Select(c => (c.Key, c.Value))])
            {
                Chain = Chain(graph, steps),
                Graph = graph,
            });
        }
        return (models.ToImmutable(), shapes.ToImmutableDictionary(StringComparer.Ordinal));
    }

    private static ImmutableArray<ChainStep> Chain(ModelGraph graph, List<(int Index, Operator Op, string Shape)> steps)
    {
        var stepOf = steps.Select((s, k) => (s.Op.Name, k)).ToDictionary(p => p.Name, p => p.k, StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var (_, op, _) in steps)
            foreach (var input in op.Inputs.Distinct(StringComparer.Ordinal))
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(stepOf[op.Name]);
        return
        [
            .. steps.Select(s => new ChainStep(s.Index, s.Shape,
                s.Op.Outputs.Sum(o => graph.Tensors[o].Bytes),
                [.. s.Op.Outputs.SelectMany(o => consumers.GetValueOrDefault(o) ?? []).Distinct().Order()],
                s.Op.Inputs.Distinct(StringComparer.Ordinal).Select(i => graph.Tensors[i])
                    .Where(t => t.Kind == TensorKind.Parameter).Sum(t => t.Bytes))),
        ];
    }

    /// <summary>Profiles held before they are committed to the cache: a transaction per this many rows or per interval.</summary>
    private const int CommitRows = 64;

    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(2);

    /// <summary>Profiles every shape of the suite on every candidate; progress reports the fraction done.</summary>
    public ProfileTable Profile(IReadOnlyList<ChipletCandidate> candidates, IEnumerable<string> suite, IProgress<double>? progress = null)
    {
        var (models, shapes) = Suite(suite);
        var keys = candidates.ToDictionary(c => c.Name, Key, StringComparer.Ordinal);
        var version = Version;
        var cached = cache?.Load(version) ?? new Dictionary<(string, string), OperatorProfile>();
        var profiles = new ConcurrentDictionary<(string, string), OperatorProfile>();
        var missing = new List<(ChipletCandidate Candidate, OperatorShape Shape)>();
        int fromCache = 0;
        foreach (var candidate in candidates)
            foreach (var shape in shapes.Values)
                if (cached.TryGetValue((keys[candidate.Name], shape.Key), out var hit))
                {
                    profiles[(candidate.Name, shape.Key)] = hit;
                    fromCache++;
                }
                else missing.Add((candidate, shape));

        int done = 0;
        var pending = new List<(string Candidate, string Operator, OperatorProfile Profile)>();
        var sinceCommit = Stopwatch.StartNew();
        // Commits as profiles arrive, so a run killed after minutes keeps what it profiled.
        void Commit(bool force)
        {
            lock (pending)
            {
                if (pending.Count == 0 || (!force && pending.Count < CommitRows && sinceCommit.Elapsed < CommitInterval)) return;
                cache?.Store(version, pending);
                pending.Clear();
                sinceCommit.Restart();
            }
        }
        try
        {
            // The largest operators first, so the parallel tail is short.
            Parallel.ForEach(missing.OrderByDescending(m => m.Shape.Nest?.Macs ?? 0),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, m =>
                {
                    var profile = Profile(m.Candidate, m.Shape);
                    profiles[(m.Candidate.Name, m.Shape.Key)] = profile;
                    lock (pending) pending.Add((keys[m.Candidate.Name], m.Shape.Key, profile));
                    Commit(force: false);
                    progress?.Report((double)Interlocked.Increment(ref done) / missing.Count);
                });
        }
        finally
        {
            Commit(force: true);
        }
        progress?.Report(1);
        return new ProfileTable([.. candidates], models, shapes, profiles.ToImmutableDictionary(), missing.Count, fromCache);
    }

    /// <summary>
    /// The default off-chip memory of a candidate as a memory level: one <see cref="CandidateGenerator.MemoryType"/>
    /// device at its library bandwidth and energy per bit.
    /// </summary>
    public MemoryLevel OffChip(ChipletCandidate candidate)
    {
        var device = HardwareDefaults.Device(technology, "memory", CandidateGenerator.MemoryType);
        return CostModelExtensions.OffChipLevel(device, device.BandwidthBytesPerSecond, device.EnergyPerBitPj, candidate.Core.FrequencyHz);
    }

    /// <summary>One shape on one candidate, from the cost model (no cache).</summary>
    public OperatorProfile Profile(ChipletCandidate candidate, OperatorShape shape)
    {
        var core = candidate.Core;
        var offChip = OffChip(candidate);
        try
        {
            return OperatorProfile.From(shape.Nest is { } nest
                ? costModel.Evaluate(nest, core, offChip)
                : costModel.Evaluate(shape.Work!, core, offChip));
        }
        catch (InfeasibleException)
        {
            // No mapping fits this candidate's memories: the candidate cannot run the operator.
            return OperatorProfile.Infeasible;
        }
    }

    /// <summary>
    /// The candidate's cache key: a hash of everything its profiles depend on (core and off-chip memory by value,
    /// the vector unit), so any change to the candidate gives a new key.
    /// </summary>
    public string Key(ChipletCandidate candidate)
    {
        var level = OffChip(candidate);
        var vector = candidate.Core.Vector is { } v
            ? string.Create(CultureInfo.InvariantCulture, $"#vector:{v.Lanes}:{v.EnergyPerOpPj:R}")
            : "#vector:none";
        return Hash(LoopNestCostModel.CoreKey(candidate.Core, level, names: false) + vector);
    }

    /// <summary>The value key of an operator: its loop nest's dimensions, operand axes and bits, or its vector work.</summary>
    public static OperatorShape? ShapeOf(ModelGraph graph, Operator op)
    {
        if (op is ComputeOperator c) return ShapeOf(c.Nest, op.Name);
        var stats = graph.Statistics(op);
        if (stats.TotalBytes == 0 && stats.VectorOperations == 0) return null;
        var work = new VectorWork(stats.VectorOperations, stats.ParameterBytes + stats.InputActivationBytes, stats.OutputBytes);
        return new OperatorShape(Hash(string.Create(CultureInfo.InvariantCulture,
            $"vector:{work.Operations:R}:{work.InputBytes}:{work.OutputBytes}")), op.Name, null, work);
    }

    /// <summary>The shape of a MAC loop nest.</summary>
    public static OperatorShape ShapeOf(LoopNest nest, string example) =>
        new(Hash("nest:" + LoopNestCostModel.NestKey(nest)), example, nest, null);

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
