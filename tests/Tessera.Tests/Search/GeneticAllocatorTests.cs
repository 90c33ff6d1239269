using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Interop;
using Tessera.Interop.Stream;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search;
using Tessera.Technology;
using Tessera.Tests.Cli;
using Tessera.Workloads;

namespace Tessera.Tests.Search;

/// <summary>The NSGA-II allocation against brute force, its reproducibility, and its floor (the greedy rule).</summary>
public class GeneticAllocatorTests
{
    private static string Lab(params string[] parts) => TestData.Shared(["data", "stream-tutorial", "lab3", .. parts]);

    /// <summary>Two 2-layer models on three chiplets in a row: the far chiplets cost link energy, one core alone is slow.</summary>
    private static AllocationProblem Tiny(PartitionMode mode = PartitionMode.LayerByLayer)
    {
        var package = TestHardware.Row(3, linkPjPerBit: 5);
        var models = new[] { new ModelInstance("a", TestHardware.MatMulChain("a", 2), 1), new ModelInstance("b", TestHardware.MatMulChain("b", 2, m: 128), 1) };
        return new AllocationProblem("tiny", package, models, new PartitionOptions(mode), new RooflineCostModel());
    }

    /// <summary>Lab 3 of the Stream tutorial: four convolutions, fused by rows, each free among three cores.</summary>
    private static AllocationProblem Lab3()
    {
        var package = HardwareLoader.Load(Lab("hardware", "hda_bus.yaml"), TechnologyLibrary.LoadDefault());
        var scenario = new Scenario("4_convs", Lab("hardware", "hda_bus.yaml"), [new ModelRequest(Lab("workload", "4_convs.onnx"))]);
        var mapping = StreamMapping.Load(Lab("mapping", "mapping.yaml"), package);
        return new AllocationProblem("4_convs", package, ScenarioLoader.BuildModels(scenario),
            new PartitionOptions(PartitionMode.Fused, Mapping: mapping), new LoopNestCostModel());
    }

    /// <summary>Every genome, simulated: the exact front as distinct (latency, energy) points.</summary>
    private static HashSet<(double, double)> BruteForce(AllocationProblem problem)
    {
        var all = new List<double[]>();
        void Walk(int[] genome, int i)
        {
            if (i == genome.Length)
            {
                var e = problem.Simulate(genome).Evaluation;
                all.Add([e.LatencySeconds, e.Energy.TotalJ]);
                return;
            }
            for (int c = 0; c < problem.Genes[i].Allowed.Length; c++)
            {
                genome[i] = c;
                Walk(genome, i + 1);
            }
        }
        Walk(new int[problem.Genes.Length], 0);
        return [.. Nsga2.Sort(all)[0].Select(i => (all[i][0], all[i][1]))];
    }

    [Fact]
    public void Tiny_instance_front_matches_brute_force()
    {
        var problem = Tiny(PartitionMode.Fused);
        Assert.Equal(4, problem.Genes.Length);
        Assert.Equal(81, problem.SpaceSize);
        var exact = BruteForce(problem);
        Assert.True(exact.Count > 1, string.Join(" ", exact));
        var result = new GeneticAllocator(problem, new GeneticOptions(Population: 12, Generations: 15, Seed: 3)).Run();
        Assert.Equal(exact.OrderBy(p => p), result.Front.Select(p => (p.LatencySeconds, p.EnergyJ)).OrderBy(p => p));
    }

    [Fact]
    public void Lab3_fused_front_matches_brute_force()
    {
        var problem = Lab3();
        Assert.Equal(81, problem.SpaceSize);
        var exact = BruteForce(problem);
        // 30 generations of 16 (480 evaluations of an 81-point space): 20 miss one of the seven front points.
        var result = new GeneticAllocator(problem, new GeneticOptions(Generations: 30)).Run();
        var found = result.Front.Select(p => (p.LatencySeconds, p.EnergyJ)).ToHashSet();
        Assert.True(exact.SetEquals(found), $"GA found {found.Count} of {exact.Count} exact points; missing {string.Join(", ", exact.Except(found))}");
    }

    [Fact]
    public void Greedy_mutants_seed_the_population_and_keep_results_reproducible()
    {
        var options = new GeneticOptions(Population: 8, Generations: 3, Seed: 5, GreedyMutants: 1);
        var a = new GeneticAllocator(Tiny(PartitionMode.Fused), options).Run();
        var b = new GeneticAllocator(Tiny(PartitionMode.Fused), options).Run();
        Assert.Equal(a.Front.Select(p => string.Join(',', p.Genome)), b.Front.Select(p => string.Join(',', p.Genome)));
        Assert.True(a.Chosen.Metrics.Edp <= a.Greedy.Metrics.Edp);
    }

    [Fact]
    public void Layer_stacks_share_one_core()
    {
        var package = TestHardware.Row(3, linkPjPerBit: 5);
        var models = new[] { new ModelInstance("a", TestHardware.MatMulChain("a", 3), 1), new ModelInstance("b", TestHardware.MatMulChain("b", 2), 1) };
        var problem = new AllocationProblem("stacks", package, models, new PartitionOptions(PartitionMode.Fused), new RooflineCostModel(), layersPerGene: 2);
        // a: [L0 L1] [L2]; b: [L0 L1] — stacks never cross models.
        Assert.Equal([2, 1, 2], problem.Genes.Select(g => g.Operators.Length));
        Assert.Equal(["a", "a", "b"], problem.Genes.Select(g => g.Model));
        var allocation = problem.Allocation([2, 0, 1]);
        Assert.Equal(5, allocation.Count);
        Assert.Equal(allocation[("a", problem.Genes[0].Operators[0])], allocation[("a", problem.Genes[0].Operators[1])]);
        var result = new GeneticAllocator(problem, new GeneticOptions(Population: 6, Generations: 3)).Run();
        Assert.True(result.Chosen.Metrics.Edp <= result.Greedy.Metrics.Edp);
        Assert.Throws<TesseraInputException>(() =>
            new AllocationProblem("stacks", package, models, new PartitionOptions(), new RooflineCostModel(), layersPerGene: 0));
    }

    [Fact]
    public void Same_seed_gives_the_same_front()
    {
        GeneticResult Run(int seed) => new GeneticAllocator(Tiny(), new GeneticOptions(Population: 6, Generations: 3, Seed: seed)).Run();
        var first = Run(7);
        var again = Run(7);
        Assert.Equal(first.Front.Select(p => (p.LatencySeconds, p.EnergyJ, string.Join(',', p.Genome))),
            again.Front.Select(p => (p.LatencySeconds, p.EnergyJ, string.Join(',', p.Genome))));
        Assert.Equal(first.Evaluations, again.Evaluations);
        // Another seed explores other genomes (its front may or may not differ).
        Assert.True(Run(8).Evaluations > 0);
    }

    [Theory]
    [InlineData("latency")]
    [InlineData("energy")]
    [InlineData("edp")]
    public void Chosen_point_is_never_worse_than_greedy(string objectiveName)
    {
        var objective = Objective.Parse(objectiveName);
        foreach (var mode in new[] { PartitionMode.LayerByLayer, PartitionMode.Fused })
        {
            var problem = Tiny(mode);
            var result = new GeneticAllocator(problem, new GeneticOptions(Population: 4, Generations: 2, Objective: objective)).Run();
            var greedy = problem.Simulate(problem.Greedy()).Evaluation;
            var chosen = new ParetoPoint(greedy.Metrics, problem.Allocation(problem.Greedy()));
            Assert.True(result.Chosen.Score(objective) <= chosen.Score(objective), $"{mode}: {result.Chosen.Score(objective)} > greedy {chosen.Score(objective)}");
            Assert.Equal(greedy.LatencySeconds, result.Greedy.LatencySeconds);
            Assert.Contains(result.Chosen, result.Front);
        }
    }

    [Fact]
    public void Greedy_genome_reproduces_the_default_partition()
    {
        var problem = Tiny();
        var package = TestHardware.Row(3, linkPjPerBit: 5);
        var models = new[] { new ModelInstance("a", TestHardware.MatMulChain("a", 2), 1), new ModelInstance("b", TestHardware.MatMulChain("b", 2, m: 128), 1) };
        var cost = new RooflineCostModel();
        var plain = new Tessera.Simulation.Simulator(cost).Simulate("tiny", package, new LayerByLayerPartitioner(cost).Partition(package, models));
        Assert.Equal(plain.Evaluation.LatencySeconds, problem.Simulate(problem.Greedy()).Evaluation.LatencySeconds);
    }

    [Fact]
    public void Progress_reaches_one_and_cancellation_stops_the_search()
    {
        var reports = new List<double>();
        new GeneticAllocator(Tiny(), new GeneticOptions(Population: 4, Generations: 2)).Run(new SyncProgress(reports.Add));
        Assert.Equal(1.0, reports[^1]);
        Assert.True(reports.SequenceEqual(reports.Order()));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new GeneticAllocator(Tiny()).Run(cancellation: cancel.Token));
    }

    [Fact]
    public void Pipelined_partitions_are_refused()
    {
        Assert.Throws<TesseraInputException>(() => Tiny(PartitionMode.Pipelined));
        Assert.Throws<TesseraInputException>(() => new GeneticAllocator(Tiny(), new GeneticOptions(Population: 1)).Run());
    }

    [Fact]
    public void Lab3_runs_with_search_ga_and_beats_or_ties_greedy_latency()
    {
        string[] lab = ["run", "--workload", Lab("workload", "4_convs.onnx"), "--hardware", Lab("hardware", "hda_bus.yaml"),
            "--mapping", Lab("mapping", "mapping.yaml"), "--json"];
        var greedy = CliRunner.Run(lab);
        var searched = CliRunner.Run([.. lab, "--search", "ga", "--objective", "latency", "--seed", "2"]);
        Assert.True(searched.ExitCode == 0, searched.Error);
        double greedyLatency = greedy.Json.GetProperty("latencySeconds").GetDouble();
        var json = searched.Json;
        double latency = json.GetProperty("latencySeconds").GetDouble();
        Assert.True(latency <= greedyLatency, $"GA {latency} s > greedy {greedyLatency} s");
        var search = json.GetProperty("search");
        Assert.Equal(greedyLatency, search.GetProperty("greedy").GetProperty("latencySeconds").GetDouble());
        Assert.True(search.GetProperty("front").GetArrayLength() >= 1);
        Assert.Contains(search.GetProperty("front").EnumerateArray(), p => p.GetProperty("chosen").GetBoolean()
            && p.GetProperty("latencySeconds").GetDouble() == latency);
        Assert.Equal(2, CliRunner.Run([.. lab, "--search", "ga", "--population", "1"]).ExitCode);
    }

    [Fact]
    public void Table_output_prints_the_front_before_the_schedule()
    {
        var outcome = CliRunner.Run("run", "--workload", Lab("workload", "4_convs.onnx"), "--hardware", Lab("hardware", "hda_bus.yaml"),
            "--mapping", Lab("mapping", "mapping.yaml"), "--search", "ga", "--population", "4", "--generations", "1");
        Assert.True(outcome.ExitCode == 0, outcome.Error);
        Assert.Contains("Pareto front", outcome.Out, StringComparison.Ordinal);
        Assert.True(outcome.Out.IndexOf("Pareto front", StringComparison.Ordinal) < outcome.Out.IndexOf("three_core_hda_bus", StringComparison.Ordinal));
    }

    /// <summary>Progress that reports on the caller's thread (System.Progress posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
