using BenchmarkDotNet.Attributes;
using Tessera.Costs;
using Tessera.Hardware.Presets;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Benchmarks;

/// <summary>
/// A decode step of Llama-3.1-405B (bf16, batch 8, KV cache 2048) on the 64-package `node-8x8` preset: tensor
/// parallelism over each package's 4 chiplets, a 64-stage pipeline (PP 64) or 8 replicas of 8 stages (PP 8 × DP 8).
/// Each benchmark is the whole of it: flatten the system, build the model, partition, simulate (loop-nest cost model,
/// a fresh one per call so no mapping is cached between calls).
/// </summary>
[MemoryDiagnoser]
public class SystemBenchmarks
{
    private TechnologyLibrary _technology = null!;

    [GlobalSetup]
    public void Setup() => _technology = TechnologyLibrary.LoadDefault();

    [Benchmark] public SimulationResult Llama405BDecodePp64() => DecodeStep(new SystemPartitioner(4, 64));

    [Benchmark] public SimulationResult Llama405BDecodePp8Dp8() => DecodeStep(new SystemPartitioner(4, 8, dataParallel: 8));

    /// <summary>One decode step of a batch of 8 (each replica runs its share).</summary>
    public SimulationResult DecodeStep(SystemPartitioner partitioner)
    {
        var flat = SystemPresets.Create("node-8x8", _technology).Flatten();
        var graph = ModelZoo.CreateTransformer(TransformerConfigs.Llama31With405B,
            new ModelOptions(8, 16, TransformerPhase.Decode, ContextLength: 2048));
        var tasks = partitioner.Partition(flat, [new ModelInstance("llama3.1-405b", graph, 8)]);
        return new Simulator(new LoopNestCostModel()).Simulate("decode", flat, tasks);
    }
}
