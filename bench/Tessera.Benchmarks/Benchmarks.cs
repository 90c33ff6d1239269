using BenchmarkDotNet.Attributes;
using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Scenarios;
using Tessera.Search;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Tiling;
using Tessera.Workloads.Zoo;

namespace Tessera.Benchmarks;

/// <summary>Building workloads: zoo generators and ONNX import.</summary>
[MemoryDiagnoser]
public class WorkloadBenchmarks
{
    private readonly string _resnet18Onnx = SharedData.Path("data", "onnx", "resnet18.onnx");
    private readonly ModelGraph _resnet18 = ModelZoo.Create("resnet18");

    [Benchmark] public ModelGraph ZooResNet50() => ModelZoo.Create("resnet50");

    [Benchmark] public ModelGraph ZooLlama70BPrefill() => ModelZoo.Create("llama3.1-70b");

    [Benchmark] public ModelGraph OnnxResNet18() => OnnxImporter.Load(_resnet18Onnx);

    [Benchmark] public TiledWorkload TileResNet18ByRows() => WorkloadTiler.Tile(_resnet18, TilingSpec.Parse("OY, all"));
}

/// <summary>The whole of `tessera run`'s default scenario, and its parts.</summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private Package _package = null!;
    private IReadOnlyList<ModelInstance> _models = null!;
    private TechnologyLibrary _technology = null!;

    [GlobalSetup]
    public void Setup()
    {
        _technology = TechnologyLibrary.LoadDefault();
        _package = HardwareLoader.Load(Scenario.Default.Hardware, _technology);
        _models = ScenarioLoader.BuildModels(Scenario.Default);
    }

    [Benchmark] public TechnologyLibrary LoadTechnology() => TechnologyLibrary.LoadDefault();

    [Benchmark] public Package LoadScar3x3() => HardwareLoader.Load("scar-3x3-het", _technology);

    [Benchmark]
    public EvaluationResult EvaluateDefaultScenario() =>
        new LayerByLayerEvaluator(new RooflineCostModel()).Evaluate("default", _package, _models);

    /// <summary>All of `tessera run`'s work: technology, hardware, models, loop-nest mapping search, partition, simulation.</summary>
    [Benchmark] public ScheduleResult DefaultScenarioEndToEnd() => new ScenarioRunner(_technology).Run(Scenario.Default);
}

/// <summary>Finds ../shared from the benchmark's folders (or TESSERA_SHARED).</summary>
internal static class SharedData
{
    public static string Path(params string[] parts)
    {
        var root = Environment.GetEnvironmentVariable("TESSERA_SHARED");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); string.IsNullOrEmpty(root) && dir is not null; dir = dir.Parent)
            if (Directory.Exists(System.IO.Path.Combine(dir.FullName, "shared", "data")))
                root = System.IO.Path.Combine(dir.FullName, "shared");
        return System.IO.Path.Combine([root ?? throw new DirectoryNotFoundException("set TESSERA_SHARED"), .. parts]);
    }
}
