using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Workloads;

namespace Tessera.Search.Scar;

/// <summary>The schedules SCAR compares against.</summary>
public enum BaselineKind
{
    /// <summary>Each model alone on one chiplet of a homogeneous package, all models at once.</summary>
    Standalone,

    /// <summary>Each model pipelined over adjacent chiplets of a homogeneous package, chiplets shared in proportion to the models' MACs.</summary>
    SimbaLike,

    /// <summary>Every layer of every model on one chiplet, layer by layer.</summary>
    SingleCore,
}

/// <summary>
/// SCAR's baselines as task graphs for the same simulator as every other schedule: Standalone and Simba-like use the
/// pipelined partition with fixed segments (so mini-batches apply), single core the layer-by-layer partition with
/// every operator allocated to one chiplet. Chiplets are taken closest to DRAM first (Standalone, single core) or as
/// contiguous runs in snake order (Simba-like, so a model's segments are neighbours).
/// </summary>
public static class Baselines
{
    /// <summary>standalone, simba (simba-like) or single-core.</summary>
    public static BaselineKind Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "standalone" => BaselineKind.Standalone,
            "simba" or "simba-like" => BaselineKind.SimbaLike,
            "single-core" or "singlecore" or "single" => BaselineKind.SingleCore,
            _ => throw new TesseraInputException($"baseline '{text}'; expected standalone, simba or single-core"),
        };
    }

    public static string Spelling(BaselineKind kind) => kind switch
    {
        BaselineKind.Standalone => "standalone",
        BaselineKind.SimbaLike => "simba",
        _ => "single-core",
    };

    /// <summary>Builds the baseline's schedule and simulates it; the evaluation's notes say how it was built.</summary>
    public static SimulationResult Run(string scenario, BaselineKind kind, Package package, IReadOnlyList<ModelInstance> models,
        IOperatorCostModel costModel, int miniBatches = 1, SimulationOptions? simulation = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(costModel);
        if (models.Count == 0) throw new TesseraInputException("the scenario has no models; expected at least one");
        var (graph, note) = kind switch
        {
            BaselineKind.Standalone => Standalone(package, models, costModel, miniBatches),
            BaselineKind.SimbaLike => SimbaLike(package, models, costModel, miniBatches),
            _ => SingleCore(package, models, costModel),
        };
        var result = new Simulator(costModel).Simulate(scenario, package, graph, simulation, cancellation);
        return result with { Evaluation = result.Evaluation with { Notes = [note] } };
    }

    private static (TaskGraph, string) Standalone(Package package, IReadOnlyList<ModelInstance> models, IOperatorCostModel costModel, int miniBatches)
    {
        Homogeneous(package, "Standalone");
        if (models.Count > package.Chiplets.Length)
            throw new InfeasibleException($"Standalone runs each model on a chiplet of its own: the scenario has {models.Count} models but " +
                $"{package.Name} has {Count(package.Chiplets.Length, "chiplet")}; expected at most {Count(package.Chiplets.Length, "model")} (or a larger package)");
        var chiplets = ByDramDistance(package);
        var segments = models.Select((m, i) => (m.Label, Segments: ImmutableArray.Create(
            new PipelineSegment(new CoreRef(chiplets[i].Id, 0), 0, m.Graph.Operators.Length))))
            .ToImmutableDictionary(p => p.Label, p => p.Segments, StringComparer.Ordinal);
        var graph = new PipelinedPartitioner(costModel, miniBatches, segments).Partition(package, models);
        return (graph, $"baseline standalone: {string.Join(", ", models.Select((m, i) => $"{m.Label} on {chiplets[i].Id}"))}" +
            (miniBatches > 1 ? $", {miniBatches} mini-batches" : ""));
    }

    private static (TaskGraph, string) SimbaLike(Package package, IReadOnlyList<ModelInstance> models, IOperatorCostModel costModel, int miniBatches)
    {
        Homogeneous(package, "Simba-like");
        if (models.Count > package.Chiplets.Length)
            throw new InfeasibleException($"Simba-like needs at least one chiplet per model: the scenario has {models.Count} models but " +
                $"{package.Name} has {Count(package.Chiplets.Length, "chiplet")}; expected at most {Count(package.Chiplets.Length, "model")}");
        var table = new LayerCostTable(package, models, costModel);
        var shares = ChipletProvisioning.Proportional([.. models.Select(m => (double)m.Graph.Macs)], package.Chiplets.Length);
        var snake = PipelinedPartitioner.Snake(package);
        var segments = ImmutableDictionary.CreateBuilder<string, ImmutableArray<PipelineSegment>>(StringComparer.Ordinal);
        var parts = new List<string>();
        int next = 0;
        for (int m = 0; m < models.Count; m++)
        {
            var mine = snake.Skip(next).Take(shares[m]).ToList();
            next += shares[m];
            int ops = models[m].Graph.Operators.Length, count = Math.Min(mine.Count, ops), model = m;
            var cuts = Segmentation.Balanced(new LayerRange(0, ops), count, i => table.ComputeSeconds(model, 0, i, i + 1));
            segments[models[m].Label] = [.. Enumerable.Range(0, count).Select(s => new PipelineSegment(new CoreRef(mine[s].Id, 0), cuts[s], cuts[s + 1] - cuts[s]))];
            parts.Add($"{models[m].Label} over {string.Join('→', mine.Take(count).Select(c => c.Id))}");
        }
        var graph = new PipelinedPartitioner(costModel, miniBatches, segments.ToImmutable()).Partition(package, models);
        return (graph, $"baseline simba-like: {string.Join("; ", parts)} (chiplets in proportion to MACs, segments balanced by compute)" +
            (miniBatches > 1 ? $", {miniBatches} mini-batches" : ""));
    }

    private static (TaskGraph, string) SingleCore(Package package, IReadOnlyList<ModelInstance> models, IOperatorCostModel costModel)
    {
        var chiplet = ByDramDistance(package)[0];
        var core = new CoreRef(chiplet.Id, 0);
        var allocation = models.SelectMany(m => m.Graph.Operators.Select(op => (m.Label, op.Name)))
            .ToImmutableDictionary(k => k, _ => core);
        var graph = new LayerByLayerPartitioner(costModel, allocation).Partition(package, models);
        return (graph, $"baseline single core: every layer of every model on {chiplet.Id}, layer by layer");
    }

    internal static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    /// <summary>Chiplets by hops to their nearest memory device, then declaration order.</summary>
    private static List<ChipletInstance> ByDramDistance(Package package) =>
        [.. package.Chiplets.Select((c, i) => (c, i, Hops: package.Memories.Select(d => package.Route(c.Id, d.Id)?.Length ?? int.MaxValue).DefaultIfEmpty(int.MaxValue).Min()))
            .OrderBy(x => x.Hops).ThenBy(x => x.i).Select(x => x.c)];

    private static void Homogeneous(Package package, string baseline)
    {
        var designs = package.Chiplets.Select(c => c.Design.Name).Distinct(StringComparer.Ordinal).ToList();
        if (designs.Count > 1)
            throw new InfeasibleException($"the {baseline} baseline runs on a homogeneous package, but {package.Name} has {designs.Count} chiplet designs " +
                $"({string.Join(", ", designs)}); expected one design (e.g. scar-3x3-ws or scar-3x3-os)");
    }
}
