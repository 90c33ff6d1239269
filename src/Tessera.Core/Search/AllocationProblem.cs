using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Workloads;

namespace Tessera.Search;

/// <summary>
/// One free choice of the genome: the core of one layer (or a stack of consecutive layers) of one model, among the
/// cores they may use.
/// </summary>
public sealed record AllocationGene(string Model, ImmutableArray<string> Operators, ImmutableArray<CoreRef> Allowed)
{
    /// <summary>The first layer of the gene (the only one without stacking).</summary>
    public string Operator => Operators[0];
}

/// <summary>
/// Layer → core allocation as a search problem: the genes are the layers whose core is still open (every layer
/// of every model, minus those the options or a Stream mapping already fix), and a genome is scored by
/// partitioning with the explicit allocation (layer by layer, or fused when the options ask for it) and
/// simulating — the same simulator as every other run, never a separate formula. With <c>layersPerGene</c> above
/// one, a gene is a stack of up to that many consecutive free layers of a model (graph order) with the same allowed
/// cores, all placed on one core — a shorter genome for deep models.
/// </summary>
public sealed class AllocationProblem
{
    private readonly string _scenario;
    private readonly Package _package;
    private readonly IReadOnlyList<ModelInstance> _models;
    private readonly PartitionOptions _options;
    private readonly IOperatorCostModel _costModel;
    private readonly SimulationOptions _simulation;

    public AllocationProblem(string scenario, Package package, IReadOnlyList<ModelInstance> models, PartitionOptions options,
        IOperatorCostModel costModel, SimulationOptions? simulation = null, int layersPerGene = 1)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode is not (PartitionMode.LayerByLayer or PartitionMode.Fused))
            throw new TesseraInputException($"the genetic allocation searches layer-by-layer or fused partitions, not {Partitioners.Spelling(options.Mode)}");
        if (layersPerGene < 1)
            throw new TesseraInputException($"layers per gene {layersPerGene}; expected a positive count");
        (_scenario, _package, _models, _options, _costModel) = (scenario, package, models, options, costModel);
        _simulation = simulation ?? new SimulationOptions();
        var genes = ImmutableArray.CreateBuilder<AllocationGene>();
        foreach (var model in models)
        {
            var tiled = options.Mode == PartitionMode.Fused ? options.Mapping?.Tile(model.Graph) : null;
            foreach (var op in model.Graph.Operators)
            {
                if (options.Allocation?.ContainsKey((model.Label, op.Name)) == true) continue;
                // A fused Stream mapping that places every tile of the layer leaves nothing to choose.
                if (tiled is not null && tiled.TilesOf(op.Name).All(t => options.Mapping!.CoreOf(model.Graph, t) is not null)) continue;
                var allowed = AllowedCores(model, op);
                if (allowed.Length <= 1) continue;
                if (genes.Count > 0 && genes[^1] is var last && last.Model == model.Label && last.Operators.Length < layersPerGene
                    && last.Allowed.SequenceEqual(allowed))
                    genes[^1] = last with { Operators = last.Operators.Add(op.Name) };
                else
                    genes.Add(new AllocationGene(model.Label, [op.Name], allowed));
            }
        }
        Genes = genes.ToImmutable();
    }

    public ImmutableArray<AllocationGene> Genes { get; }

    public Package Package => _package;

    public IReadOnlyList<ModelInstance> Models => _models;

    public PartitionOptions Options => _options;

    public IOperatorCostModel CostModel => _costModel;

    /// <summary>
    /// The cores a layer may run on: the one the options' allocation fixes, else the Stream mapping's allowed cores,
    /// else every compute core of the package (declaration order).
    /// </summary>
    public ImmutableArray<CoreRef> AllowedCores(ModelInstance model, Operator op)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(op);
        if (_options.Allocation?.TryGetValue((model.Label, op.Name), out var fixedCore) == true) return [fixedCore];
        return _options.Mapping?.AllowedCores(op) is { IsDefaultOrEmpty: false } cores
            ? [.. cores.Select(c => new CoreRef(c, 0))]
            : [.. CoreRef.All(_package).Select(c => c.Ref)];
    }

    /// <summary>Number of distinct genomes (a double: 9 cores and 69 layers already give 10⁶⁵).</summary>
    public double SpaceSize => Genes.Aggregate(1.0, (n, g) => n * g.Allowed.Length);

    /// <summary>The greedy earliest-finish allocation of <see cref="LayerByLayerPartitioner.Place"/> as a genome.</summary>
    public ImmutableArray<int> Greedy()
    {
        var mapping = _options.Mapping;
        var placer = new LayerByLayerPartitioner(_costModel, _options.Allocation,
            mapping is null ? null : (_, op) => [.. mapping.AllowedCores(op).Select(c => new CoreRef(c, 0))]);
        var placed = placer.Place(_package, _models).ToDictionary(p => (_models[p.Model].Label, p.Operator.Name), p => p.Core);
        // A stack takes the core greedy gives most of its layers (ties: the earliest layer's).
        return [.. Genes.Select(g => Math.Max(0, g.Allowed.IndexOf(g.Operators.Select(o => placed[(g.Model, o)])
            .GroupBy(c => c).OrderByDescending(c => c.Count()).First().Key)))];
    }

    /// <summary>The explicit allocation of a genome, with the options' own fixed entries.</summary>
    public ImmutableDictionary<(string Model, string Operator), CoreRef> Allocation(IReadOnlyList<int> genome)
    {
        ArgumentNullException.ThrowIfNull(genome);
        var builder = (_options.Allocation ?? ImmutableDictionary<(string, string), CoreRef>.Empty).ToBuilder();
        for (int i = 0; i < Genes.Length; i++)
            foreach (var op in Genes[i].Operators)
                builder[(Genes[i].Model, op)] = Genes[i].Allowed[genome[i]];
        return builder.ToImmutable();
    }

    /// <summary>Partitions with the genome's allocation and simulates.</summary>
    public SimulationResult Simulate(IReadOnlyList<int> genome, CancellationToken cancellation = default)
    {
        var options = _options with { Allocation = Allocation(genome) };
        var graph = Partitioners.Create(options, _costModel).Partition(_package, _models);
        return new Simulator(_costModel).Simulate(_scenario, _package, graph, _simulation, cancellation);
    }
}
