using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Tests.Cli;
using Tessera.Workloads;
using Xunit.Abstractions;

namespace Tessera.Tests.Search;

/// <summary>CP-SAT allocation against brute force, as a lower bound of the simulated schedules, and against greedy and the GA.</summary>
public class ExactAllocatorTests(ITestOutputHelper output)
{
    private static string Lab(params string[] parts) => TestData.Shared(["data", "stream-tutorial", "lab3", .. parts]);

    /// <summary>
    /// Heterogeneous chiplets, each linked straight to one DRAM device: a 4×4 core at 1 GHz, an 8×8 core with
    /// dearer MACs, and a 4×4 core at 2 GHz with dear MACs — speed against energy.
    /// </summary>
    private static Package Hetero(int chiplets)
    {
        Core[] cores = [TestHardware.Core(), TestHardware.Core(8, 8, macPj: 2), TestHardware.Core(macPj: 3, frequencyHz: 2e9)];
        var instances = Enumerable.Range(0, chiplets).Select(i => new ChipletInstance($"c{i}", new Chiplet($"d{i}", [cores[i]], "28nm"), i, 0)).ToList();
        var links = Enumerable.Range(0, chiplets).Select(i => new Link("dram", $"c{i}", 1e12, 1 + i, 0)).ToList();
        return new Package("hetero", instances, [new MemoryDevice("dram", "test", 1e12, 10, 0, 1L << 32)], links);
    }

    /// <summary>Models of matrix-product chains (one per entry: its layer count and rows) on a heterogeneous package.</summary>
    private static AllocationProblem Problem(int chiplets, (int Layers, long M)[] models, bool contention = true) =>
        new("tiny", Hetero(chiplets), [.. models.Select((m, i) => new ModelInstance($"m{i}", TestHardware.MatMulChain($"m{i}", m.Layers, m: m.M), 1))],
            new PartitionOptions(), new RooflineCostModel(), new SimulationOptions(contention));

    /// <summary>
    /// The optimal makespan by enumeration: every allocation, and for each every topological order list-scheduled
    /// (start = max(core free, producers' ends)); every semi-active schedule comes from such an order.
    /// </summary>
    private static long BruteForce(ImmutableArray<ExactLayer> layers)
    {
        long best = long.MaxValue;
        var choice = new int[layers.Length];
        void Orders(List<int> order, bool[] placed)
        {
            if (order.Count == layers.Length)
            {
                var end = new long[layers.Length];
                var free = new Dictionary<CoreRef, long>();
                foreach (int l in order)
                {
                    var option = layers[l].Options[choice[l]];
                    long start = Math.Max(free.GetValueOrDefault(option.Core), layers[l].Producers.Select(p => end[p]).DefaultIfEmpty(0).Max());
                    free[option.Core] = end[l] = start + option.Duration;
                }
                best = Math.Min(best, end.Max());
                return;
            }
            for (int l = 0; l < layers.Length; l++)
            {
                if (placed[l] || layers[l].Producers.Any(p => !placed[p])) continue;
                placed[l] = true;
                order.Add(l);
                Orders(order, placed);
                order.RemoveAt(order.Count - 1);
                placed[l] = false;
            }
        }
        void Allocations(int l)
        {
            if (l == layers.Length) { Orders([], new bool[layers.Length]); return; }
            for (choice[l] = 0; choice[l] < layers[l].Options.Length; choice[l]++) Allocations(l + 1);
        }
        Allocations(0);
        return best;
    }

    public static TheoryData<int, int, int> Instances => new()
    {
        { 2, 1, 2 }, // 2 chiplets, one model of 2 layers
        { 2, 2, 2 }, // 2 chiplets, two models of 2 layers
        { 3, 1, 3 }, // 3 chiplets, one model of 3 layers
        { 3, 2, 2 }, // 3 chiplets, two models of 2 layers
    };

    [Theory]
    [MemberData(nameof(Instances))]
    public void Optimum_equals_brute_force_on_tiny_instances(int chiplets, int models, int layers)
    {
        var problem = Problem(chiplets, [.. Enumerable.Range(0, models).Select(i => (layers, 64L << i))], contention: false);
        var exact = new ExactAllocator(problem);
        var result = exact.Run();
        Assert.Equal(ExactStatus.Optimal, result.Status);
        Assert.Equal(0, result.Gap);
        long brute = BruteForce(exact.Layers());
        Assert.Equal(brute, (long)result.ObjectiveValue);
        Assert.Equal(brute * 1e-9, result.ModelMakespanSeconds, 12);
        // Greedy and the GA (simulated without contention) against the optimum: never below it.
        double optimum = result.ModelMakespanSeconds;
        double greedy = problem.Simulate(problem.Greedy()).Evaluation.LatencySeconds;
        double ga = new GeneticAllocator(problem, new GeneticOptions(Population: 8, Generations: 5, Objective: Objective.Latency)).Run().Chosen.LatencySeconds;
        output.WriteLine($"{chiplets} cores, {models}×{layers} layers: CP-SAT {optimum * 1e6:0.###} µs; greedy {greedy * 1e6:0.###} µs " +
            $"(gap {(greedy - optimum) / optimum:P2}); GA 8×5 {ga * 1e6:0.###} µs (gap {(ga - optimum) / optimum:P2})");
        Assert.True(greedy >= optimum * (1 - 1e-9));
        Assert.True(ga >= optimum * (1 - 1e-9));
    }

    [Fact]
    public void Durations_differ_between_cores_so_the_instances_are_not_trivial()
    {
        var layers = new ExactAllocator(Problem(3, [(2, 64)])).Layers();
        Assert.All(layers, l => Assert.True(l.Options.Select(o => o.Duration).Distinct().Count() > 1, string.Join(" ", l.Options)));
    }

    [Fact]
    public void Optimum_bounds_greedy_and_ga_from_below_and_reports_their_gaps()
    {
        // No contention: the simulated schedule of any allocation is then one of the model's schedules (or slower).
        var problem = Problem(3, [(3, 64), (3, 128)], contention: false);
        var exact = new ExactAllocator(problem).Run();
        Assert.Equal(ExactStatus.Optimal, exact.Status);
        double greedy = problem.Simulate(problem.Greedy()).Evaluation.LatencySeconds;
        var ga = new GeneticAllocator(problem, new GeneticOptions(Population: 12, Generations: 10, Seed: 1, Objective: Objective.Latency)).Run();
        double optimum = exact.ModelMakespanSeconds;
        double gaGap = (ga.Chosen.LatencySeconds - optimum) / optimum, greedyGap = (greedy - optimum) / optimum;
        output.WriteLine($"CP-SAT optimum {optimum * 1e6:0.###} µs (simulated {exact.Simulated.Evaluation.LatencySeconds * 1e6:0.###} µs); " +
            $"greedy {greedy * 1e6:0.###} µs, gap {greedyGap:P2}; GA {ga.Chosen.LatencySeconds * 1e6:0.###} µs, gap {gaGap:P2} " +
            $"({ga.Evaluations} of {ga.SpaceSize} allocations simulated)");
        Assert.True(gaGap >= -1e-9, $"GA {ga.Chosen.LatencySeconds} s below the optimum {optimum} s");
        Assert.True(greedyGap >= -1e-9, $"greedy {greedy} s below the optimum {optimum} s");
        Assert.True(exact.Simulated.Evaluation.LatencySeconds >= optimum * (1 - 1e-9));
        // With contention the simulated latency can only grow.
        var contended = Problem(3, [(3, 64), (3, 128)]);
        Assert.True(contended.Simulate(exact.Genome).Evaluation.LatencySeconds >= optimum * (1 - 1e-9));
    }

    [Fact]
    public void Same_problem_gives_the_same_allocation_twice()
    {
        ExactResult Run() => new ExactAllocator(Problem(3, [(2, 64), (2, 128)])).Run();
        var a = Run();
        var b = Run();
        Assert.Equal(a.Genome.ToArray(), b.Genome.ToArray());
        Assert.Equal(a.ObjectiveValue, b.ObjectiveValue);
        Assert.Equal(a.Simulated.Evaluation.LatencySeconds, b.Simulated.Evaluation.LatencySeconds);
    }

    [Fact]
    public void Energy_objective_picks_each_layers_cheapest_core()
    {
        var exact = new ExactAllocator(Problem(3, [(2, 64), (2, 128)]), new ExactOptions(Objective.Energy));
        var result = exact.Run();
        Assert.Equal(ExactStatus.Optimal, result.Status);
        Assert.Equal(exact.Layers().Sum(l => l.Options.Min(o => o.EnergyPj)), (long)result.ObjectiveValue);
        Assert.Equal(ExactStatus.Optimal, new ExactAllocator(Problem(3, [(2, 64), (2, 128)]), new ExactOptions(Objective.Edp)).Run().Status);
    }

    [Fact]
    public void Fused_partitions_and_layer_stacks_are_refused()
    {
        var fused = new AllocationProblem("f", Hetero(2), [new ModelInstance("m", TestHardware.MatMulChain("m", 2), 1)],
            new PartitionOptions(PartitionMode.Fused), new RooflineCostModel());
        Assert.Throws<TesseraInputException>(() => new ExactAllocator(fused).Run());
        var stacked = new AllocationProblem("s", Hetero(2), [new ModelInstance("m", TestHardware.MatMulChain("m", 2), 1)],
            new PartitionOptions(), new RooflineCostModel(), layersPerGene: 2);
        Assert.Throws<TesseraInputException>(() => new ExactAllocator(stacked).Run());
    }

    [Fact]
    public void Lab3_layer_by_layer_optimum_bounds_greedy_and_ga()
    {
        var package = HardwareLoader.Load(Lab("hardware", "hda_bus.yaml"), TechnologyLibrary.LoadDefault());
        var scenario = new Scenario("4_convs", Lab("hardware", "hda_bus.yaml"), [new ModelRequest(Lab("workload", "4_convs.onnx"))]);
        var problem = new AllocationProblem("4_convs", package, ScenarioLoader.BuildModels(scenario), new PartitionOptions(),
            new LoopNestCostModel(), new SimulationOptions(false));
        var exact = new ExactAllocator(problem).Run();
        Assert.Equal(ExactStatus.Optimal, exact.Status);
        double greedy = problem.Simulate(problem.Greedy()).Evaluation.LatencySeconds;
        var ga = new GeneticAllocator(problem, new GeneticOptions(Objective: Objective.Latency)).Run();
        double optimum = exact.ModelMakespanSeconds;
        output.WriteLine($"lab 3 lbl: CP-SAT {optimum * 1e6:0.###} µs; greedy {greedy * 1e6:0.###} µs ({(greedy - optimum) / optimum:P2}); " +
            $"GA {ga.Chosen.LatencySeconds * 1e6:0.###} µs ({(ga.Chosen.LatencySeconds - optimum) / optimum:P2})");
        Assert.True(greedy >= optimum * (1 - 1e-9));
        Assert.True(ga.Chosen.LatencySeconds >= optimum * (1 - 1e-9));
    }

    [Fact]
    public void Cli_search_exact_prints_json_with_status_and_gap()
    {
        var outcome = CliRunner.Run("run", "--workload", Lab("workload", "4_convs.onnx"), "--hardware", Lab("hardware", "hda_bus.yaml"),
            "--partition", "lbl", "--search", "exact", "--time-limit", "5", "--json");
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        var search = outcome.Json.GetProperty("search");
        Assert.Equal("optimal", search.GetProperty("status").GetString());
        Assert.Equal(0, search.GetProperty("gap").GetDouble());
        Assert.True(outcome.Json.GetProperty("latencySeconds").GetDouble()
            >= search.GetProperty("modelMakespanSeconds").GetDouble() * (1 - 1e-9));
        var refused = CliRunner.Run("run", "--workload", Lab("workload", "4_convs.onnx"), "--hardware", Lab("hardware", "hda_bus.yaml"),
            "--mapping", Lab("mapping", "mapping.yaml"), "--search", "exact");
        Assert.Equal(2, refused.ExitCode);
    }
}
