// The examples of docs/architecture.md, compiled here; ExtensionExampleTests runs them and checks the doc quotes them.
using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Experiments;
using Tessera.Hardware;
using Tessera.Reports;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search;
using Tessera.Simulation;
using Tessera.Studies;
using Tessera.Workloads;
using Tessera.Yaml;

namespace Tessera.Tests.Architecture;

// example: partitioner
/// <summary>Layer by layer, the i-th operator of every model on the i-th core (round robin).</summary>
public sealed class RoundRobinPartitioner(IOperatorCostModel costModel) : IPartitioner
{
    public TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models)
    {
        var cores = CoreRef.All(package).Select(c => c.Ref).ToList();
        var allocation = models.SelectMany(m => m.Graph.Operators.Select((op, i) => (Key: (m.Label, op.Name), Core: cores[i % cores.Count])))
            .ToImmutableDictionary(a => a.Key, a => a.Core);
        return new LayerByLayerPartitioner(costModel, allocation).Partition(package, models);
    }
}
// end

// example: scheduler
/// <summary>A fixed rule as a scheduler: round-robin placement, simulated like every other schedule.</summary>
public sealed class RoundRobinScheduler : IScheduler
{
    public string Name => "round-robin";
    public string Description => "the i-th operator of every model on the i-th core, layer by layer";
    public ImmutableArray<PartitionMode> Partitions { get; } = [PartitionMode.LayerByLayer];
    public Objective? DefaultObjective => null;
    public ImmutableArray<Objective> Objectives => [];
    public ImmutableArray<SchedulerOption> Options => [];

    public ScheduleResult Schedule(ScheduleProblem problem, IProgress<double>? progress, CancellationToken cancellation)
    {
        var graph = new RoundRobinPartitioner(problem.CostModel).Partition(problem.Package, problem.Models);
        var simulation = new Simulator(problem.CostModel).Simulate(problem.Scenario, problem.Package, graph, problem.Simulation, cancellation);
        return ScheduleResult.Simulated(Name, simulation);
    }
}
// end

// example: cost model
/// <summary>Every PE busy on every cycle and every unique operand bit crossing the off-chip port once: a lower bound.</summary>
public sealed class IdealArrayCostModel : IOperatorCostModel
{
    public string Name => "ideal-array";
    public string Identity => "ideal-array-1";

    public OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip)
    {
        double cycles = Math.Ceiling(nest.Macs / (double)core.Array.ProcessingElements);
        double readBits = nest.Operands.Where(o => o.Role != OperandRole.Output).Sum(nest.UniqueBits);
        double writeBits = nest.Operands.Where(o => o.Role == OperandRole.Output).Sum(nest.UniqueBits);
        var energy = new CoreEnergy(nest.Macs * core.Array.MacEnergyPj, 0,
            readBits * offChip.ReadEnergyPerBitPj + writeBits * offChip.WriteEnergyPerBitPj);
        return new OperatorCost(cycles, cycles, 0, energy, readBits, writeBits, 1, "compute");
    }

    public OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip) =>
        new RooflineCostModel().Evaluate(work, core, offChip);
}
// end

// example: experiment
/// <summary>The default scenario under every registered cost model: how much the cost source moves the answer.</summary>
public sealed class CostSourceExperiment : IExperiment
{
    public string Name => "cost-source";
    public string Description => "the default scenario's latency and energy under every registered cost model";

    public ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        var runner = new ScenarioRunner();
        var rows = CostModels.Names.Select(name =>
        {
            var e = runner.Run(Scenario.Default with { Schedule = new ScheduleSpec { CostModel = name } }, cancellation: cancellation).Require();
            return (name, e.LatencySeconds, e.Energy.TotalJ);
        });
        return new CostSourceResult(Name, [.. rows]);
    }
}

public sealed record CostSourceResult(string Experiment, ImmutableArray<(string CostModel, double LatencySeconds, double EnergyJ)> Rows)
    : ExperimentResult(Experiment)
{
    public override ResultTable ToTable() => new("The default scenario by cost model", "",
        [new("cost model", ValueKind.Text), new("latency", ValueKind.Seconds), new("energy", ValueKind.Joules)],
        [.. Rows.Select(r => ImmutableArray.Create<ResultValue>(r.CostModel, r.LatencySeconds, r.EnergyJ))], []);
}
// end

// example: study
/// <summary>One model on one package: energy per inference. Its file: {hardware: NAME, model: NAME}.</summary>
public sealed class EnergyPerInferenceStudy : IStudy
{
    public string Name => "energy-per-inference";
    public string Description => "one model on one package: energy per inference";
    public string DefaultYaml => "hardware: scar-3x3-het\nmodel: resnet18\n";

    public void Validate(StudyOptions options) => Read(options);

    public StudyResult Run(StudyOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        var (hardware, model) = Read(options);
        var schedule = new ScheduleSpec { CostModel = options.CostModel ?? CostModels.Default };
        var e = new ScenarioRunner(options.Technology).Run(new Scenario(Name, hardware, [new ModelRequest(model)]) { Schedule = schedule },
            progress, cancellation).Require();
        return new EnergyPerInferenceResult(Name, hardware, model, e.Energy.TotalJ) { CostModel = schedule.CostModel };
    }

    private (string Hardware, string Model) Read(StudyOptions options)
    {
        var (r, root) = options.Path is null ? YamlReader.LoadText(DefaultYaml, $"{Name}.yaml (built-in)") : YamlReader.Load(options.Path);
        r.KnownKeys(root, "the study", "hardware", "model");
        return (r.Text(r.Need(root, "hardware", "the study"), "hardware"), r.Text(r.Need(root, "model", "the study"), "model"));
    }
}

public sealed record EnergyPerInferenceResult(string Study, string Hardware, string Model, double EnergyJ) : StudyResult(Study)
{
    public override ImmutableArray<ResultTable> ToTables() =>
        [new("Energy per inference", $"{Model} on {Hardware}", [new("energy", ValueKind.Joules)], [[EnergyJ]], [])];

    public override object ToJson() => this;
}
// end
