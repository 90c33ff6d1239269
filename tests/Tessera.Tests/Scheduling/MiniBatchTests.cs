using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Scheduling;

/// <summary>Mini-batches of whole samples (SCAR's b′ ≤ b) against the count split that cuts a batch-1 model along its rows.</summary>
public class MiniBatchTests
{
    private static readonly IOperatorCostModel CostModel = new RooflineCostModel();

    private static ModelGraph Build(string model, int batch) => ModelZoo.Create(model, new ModelOptions(Batch: batch, SequenceLength: 32));

    [Theory]
    [InlineData("bert-base", 3, 1)]
    [InlineData("bert-base", 3, 2)]
    [InlineData("gpt2-small", 4, 3)]
    [InlineData("resnet18", 5, 2)]
    [InlineData("unet", 2, 1)]
    public void A_mini_batch_of_whole_samples_costs_what_the_model_built_at_that_batch_costs(string name, int batch, int samplesPer)
    {
        var model = new ModelInstance(name, Build(name, batch), batch) { MiniBatchSize = samplesPer };
        var graph = new PipelinedPartitioner(CostModel, 1).Partition(TestHardware.Row(1), [model]);
        int miniBatches = (batch + samplesPer - 1) / samplesPer;
        Assert.Equal(miniBatches, graph.MiniBatchesOf(0));
        var computes = graph.Tasks.OfType<ComputeTask>().ToList();
        for (int mb = 0; mb < miniBatches; mb++)
        {
            // b′ samples per mini-batch, the last one what remains: never a fraction of a sample.
            int samples = Math.Min(samplesPer, batch - mb * samplesPer);
            var reference = Build(name, samples).Operators.ToDictionary(o => o.Name, o => o is ComputeOperator c ? c.Nest.Macs : 0);
            var mine = computes.Where(c => c.MiniBatch == mb).ToList();
            Assert.Equal(reference.Count, mine.Count);
            foreach (var task in mine)
                Assert.Equal(reference[task.Operator], task.Macs);
        }
        Assert.Equal(model.Graph.Macs, computes.Sum(c => c.Macs));
        // Model inputs and outputs are cut into the same shares, which add up to the whole.
        var reads = graph.Tasks.OfType<DramTask>().Where(d => !d.Write && !d.Name.EndsWith("/weights", StringComparison.Ordinal)).Sum(d => d.Bytes);
        Assert.Equal(model.Graph.Tensors.Values.Where(t => t.Kind == TensorKind.ModelInput).Sum(t => t.Bytes), reads);
    }

    [Fact]
    public void A_batch_1_model_stays_whole_in_samples_but_the_count_split_cuts_its_tokens()
    {
        var graph = Build("gpt2-small", 1);
        var whole = new PipelinedPartitioner(CostModel, 1).Partition(TestHardware.Row(1), [new ModelInstance("g", graph, 1) { MiniBatchSize = 1 }]);
        Assert.Equal(1, whole.MiniBatchesOf(0));
        Assert.All(whole.Tasks.OfType<ComputeTask>(), t => Assert.Equal(0, t.MiniBatch));
        // The count split (--minibatch 4) cuts the 32 tokens of the one sample into four rows of 8.
        var cut = new PipelinedPartitioner(CostModel, 4).Partition(TestHardware.Row(1), [new ModelInstance("g", graph, 1)]);
        Assert.Equal(4, cut.MiniBatchesOf(0));
        var qkv = cut.Tasks.OfType<ComputeTask>().Where(t => t.Operator == "layers.0.attn.q_proj").ToList();
        Assert.Equal(4, qkv.Count);
        Assert.All(qkv, t => Assert.Equal(8, t.Nest!.Sizes["D"]));
    }

    [Fact]
    public void Models_pipeline_in_their_own_number_of_mini_batches_and_report_it()
    {
        var a = new ModelInstance("a", Build("resnet18", 4), 4) { MiniBatchSize = 1 };
        var b = new ModelInstance("b", Build("resnet18", 3), 3) { MiniBatchSize = 3 };
        var package = TestHardware.Row(2);
        var segments = new Dictionary<string, ImmutableArray<PipelineSegment>>
        {
            ["a"] = [new(new CoreRef("c0", 0), 0, a.Graph.Operators.Length)],
            ["b"] = [new(new CoreRef("c1", 0), 0, b.Graph.Operators.Length)],
        };
        var graph = new PipelinedPartitioner(CostModel, 1, segments.ToImmutableDictionary()).Partition(package, [a, b]);
        Assert.Equal(4, graph.MiniBatches);
        Assert.Equal([4, 1], graph.ModelMiniBatches.ToArray());
        var result = new Simulator(CostModel).Simulate("two", package, graph).Evaluation;
        Assert.Equal([4, 1], result.Models.Select(m => m.MiniBatches));
    }

    [Fact]
    public void A_mini_batch_size_needs_a_pipelined_partition_and_excludes_a_mini_batch_count()
    {
        var scenario = new Scenario("s", "scar-3x3-ws", [new ModelRequest("resnet18", 4) { MiniBatchSize = 2 }]);
        var runner = new ScenarioRunner();
        var lbl = Assert.Throws<TesseraInputException>(() => runner.Prepare(scenario with { Partition = PartitionMode.LayerByLayer }));
        Assert.Contains("minibatch_size applies to pipelined partitions only", lbl.Message);
        var both = Assert.Throws<TesseraInputException>(() => runner.Prepare((scenario with { Partition = PartitionMode.Pipelined, MiniBatches = 2 }).From("minibatch", "--minibatch")));
        Assert.StartsWith("--minibatch: ", both.Message);
        Assert.Contains("expected one of them", both.Message);
        Assert.Throws<TesseraInputException>(() => MiniBatchSplit.Of(new ModelInstance("m", Build("resnet18", 2), 2) { MiniBatchSize = 3 }, 1));
    }
}
