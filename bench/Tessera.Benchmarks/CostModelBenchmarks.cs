using BenchmarkDotNet.Attributes;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Benchmarks;

/// <summary>
/// The loop-nest cost model: one mapping evaluation (the search's inner loop), and mapping every layer of ResNet-50
/// and of one Llama-3.1-8B decoder block on the tpu-like core with a fresh model (so memoisation only helps within
/// the network).
/// </summary>
[MemoryDiagnoser]
public class CostModelBenchmarks
{
    private MappingEvaluator _evaluator = null!;
    private int[] _dims = [];
    private long[] _factors = [];
    private Core _core = null!;
    private MemoryLevel _offChip = null!;
    private ModelGraph _resnet50 = null!;
    private ModelGraph _llama = null!;
    private Operator[] _llamaBlock = [];

    [GlobalSetup]
    public void Setup()
    {
        var technology = TechnologyLibrary.LoadDefault();
        _core = HardwarePresets.CreateCore("tpu-like", technology);
        var dram = HardwarePresets.CreatePackage("tpu-like", technology).Memories[0];
        _offChip = CostModelExtensions.OffChipLevel(dram, dram.BandwidthBytesPerSecond, dram.EnergyPerBitPj, _core.FrequencyHz);
        // ResNet-50's layer3 3×3 convolution: 256→256 channels on 14×14.
        var nest = LoopNests.Convolution("I", "W", "O", 1, 1, 256, 256, 14, 14, 3, 3);
        var problem = new MappingProblem(nest, _core, _offChip);
        var loops = problem.PrimeLoops();
        _dims = [.. loops.Select(l => l.Dim)];
        _factors = [.. loops.Select(l => l.Factor)];
        _evaluator = new MappingEvaluator(problem);
        _evaluator.SetOrdering(_dims, _factors);
        _evaluator.Allocate();
        _resnet50 = ModelZoo.Create("resnet50");
        _llama = ModelZoo.Create("llama3.1-8b");
        _llamaBlock = [.. _llama.Operators.Where(o => o.Name.StartsWith("layers.0.", StringComparison.Ordinal))];
    }

    /// <summary>Evaluate one mapping (ordering and allocation fixed).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public double EvaluateMapping()
    {
        double sum = 0;
        for (int i = 0; i < 1000; i++) sum += _evaluator.Evaluate().EnergyPj;
        return sum;
    }

    /// <summary>Set an ordering, allocate it bottom-up and evaluate it: one step of the search.</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public double OrderAllocateEvaluate()
    {
        double sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            _evaluator.SetOrdering(_dims, _factors);
            _evaluator.Allocate();
            sum += _evaluator.Evaluate().Cycles;
        }
        return sum;
    }

    [Benchmark]
    public double MapResNet50() => MapAll(_resnet50, _resnet50.Operators);

    [Benchmark]
    public double MapLlama31With8BDecoderBlock() => MapAll(_llama, _llamaBlock);

    private double MapAll(ModelGraph graph, IEnumerable<Operator> operators)
    {
        var model = new LoopNestCostModel();
        double cycles = 0;
        foreach (var op in operators) cycles += model.Evaluate(graph, op, _core, _offChip).Cycles;
        return cycles;
    }
}
