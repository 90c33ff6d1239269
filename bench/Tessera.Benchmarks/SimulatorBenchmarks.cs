using BenchmarkDotNet.Attributes;
using Tessera.Costs;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Benchmarks;

/// <summary>
/// The event-driven simulator: a synthetic graph of ~10^5 tasks on the 6×6 SCAR package (reported per task),
/// and the default scenario partitioned layer by layer and simulated.
/// </summary>
[MemoryDiagnoser]
public class SimulatorBenchmarks
{
    /// <summary>Compute plus transfer tasks of the synthetic graph.</summary>
    public const int SyntheticTasks = 100_008; // 1389 steps × 36 cores × (compute + transfer)

    private readonly RooflineCostModel _costModel = new();
    private Package _scar6x6 = null!;
    private TaskGraph _synthetic = null!;
    private Package _defaultPackage = null!;
    private TaskGraph _defaultGraph = null!;
    private IReadOnlyList<ModelInstance> _defaultModels = null!;

    [GlobalSetup]
    public void Setup()
    {
        var technology = TechnologyLibrary.LoadDefault();
        _scar6x6 = HardwareLoader.Load("scar-6x6-het", technology);
        _synthetic = Synthetic(_scar6x6, SyntheticTasks);
        _defaultPackage = HardwareLoader.Load(Scenario.Default.Hardware, technology);
        _defaultModels = ScenarioLoader.BuildModels(Scenario.Default);
        _defaultGraph = new LayerByLayerPartitioner(_costModel).Partition(_defaultPackage, _defaultModels);
    }

    /// <summary>
    /// Every core computes a tile, then sends its result to a pseudo-random chiplet whose next tile waits for it:
    /// half the tasks are compute, half are transfers that contend for the mesh's links.
    /// </summary>
    public static TaskGraph Synthetic(Package package, int tasks)
    {
        var cores = CoreRef.All(package);
        var tile = LoopNests.MatMul("x", "w", "y", 1, 64, 64, 64);
        var random = new Random(42);
        var builder = new TaskGraphBuilder(PartitionMode.Fused, []);
        var last = Enumerable.Repeat(-1, cores.Length).ToArray();
        var incoming = Enumerable.Repeat(-1, cores.Length).ToArray();
        for (int step = 0; builder.Count + 2 * cores.Length <= tasks; step++)
        {
            var arriving = Enumerable.Repeat(-1, cores.Length).ToArray();
            for (int c = 0; c < cores.Length; c++)
            {
                last[c] = builder.Compute($"t{step}.{c}", "synthetic", cores[c].Ref, "tile", tile, null, [last[c], incoming[c]],
                    new TensorRef($"t{step}.{c}", 4096));
                int to = random.Next(cores.Length);
                arriving[to] = builder.Transfer($"x{step}.{c}", "synthetic", cores[c].Ref, cores[to].Ref, 4096, [last[c], arriving[to]]);
            }
            incoming = arriving;
        }
        return builder.Build();
    }

    [Benchmark(OperationsPerInvoke = SyntheticTasks)]
    public SimulationResult SyntheticPerTask() => new Simulator(_costModel).Simulate("synthetic", _scar6x6, _synthetic);

    [Benchmark(OperationsPerInvoke = SyntheticTasks)]
    public SimulationResult SyntheticPerTaskNoContention() =>
        new Simulator(_costModel).Simulate("synthetic", _scar6x6, _synthetic, new SimulationOptions(Contention: false));

    [Benchmark] public TaskGraph SyntheticBuild() => Synthetic(_scar6x6, SyntheticTasks);

    [Benchmark] public TaskGraph PartitionDefaultScenario() => new LayerByLayerPartitioner(_costModel).Partition(_defaultPackage, _defaultModels);

    [Benchmark] public SimulationResult SimulateDefaultScenario() => new Simulator(_costModel).Simulate("default", _defaultPackage, _defaultGraph);
}
