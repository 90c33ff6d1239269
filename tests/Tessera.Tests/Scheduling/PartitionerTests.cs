using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Interop;
using Tessera.Scheduling;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Scheduling;

public class PartitionerTests
{
    private static readonly RooflineCostModel CostModel = new();

    [Fact]
    public void Slices_divide_a_dimension_with_the_remainder_on_the_last()
    {
        var nest = Tessera.Workloads.LoopNests.MatMul("x", "w", "y", 1, 8, 10, 4);
        var parts = Enumerable.Range(0, 3).Select(i => Slicing.Slice(nest, "K", 3, i)).ToList();
        Assert.Equal([3L, 3L, 4L], parts.Select(p => p.Sizes["K"]));
        Assert.Equal(nest.Macs, parts.Sum(p => p.Macs));
        Assert.All(parts, p => Assert.Equal(8, p.Sizes["D"]));
        Assert.Equal(10, Enumerable.Range(0, 4).Sum(i => Slicing.Share(10, 4, i)));
        Assert.Throws<TesseraInputException>(() => Slicing.Slice(nest, "K", 11, 0));
    }

    [Fact]
    public void Attention_matmuls_split_by_heads_and_linear_layers_by_output_channels()
    {
        var attention = Tessera.Workloads.LoopNests.MatMul("q", "k", "s", 12, 128, 128, 64, sharedRight: false);
        var linear = Tessera.Workloads.LoopNests.MatMul("x", "w", "y", 1, 128, 768, 768);
        Assert.Equal("B", Slicing.OutputDimension(attention));
        Assert.Equal("K", Slicing.OutputDimension(linear));
    }

    [Fact]
    public void Layer_by_layer_graphs_have_one_task_per_operator_in_core_order()
    {
        var package = TestHardware.Row(3);
        var models = new[] { new ModelInstance("a", TestHardware.MatMulChain("a", 4), 1), new ModelInstance("b", TestHardware.MatMulChain("b", 2), 1) };
        var graph = new LayerByLayerPartitioner(CostModel).Partition(package, models);
        Assert.Equal(6, graph.Tasks.Length);
        Assert.All(graph.Tasks, t => Assert.IsType<ComputeTask>(t));
        Assert.All(graph.Tasks.Cast<ComputeTask>(), t => Assert.Equal("dram", t.StreamsFrom));
        // Tasks on one core depend on their predecessor there: the core's order is part of the schedule.
        foreach (var core in graph.Tasks.Cast<ComputeTask>().GroupBy(t => t.Core))
        {
            var list = core.ToList();
            for (int i = 1; i < list.Count; i++) Assert.Contains(list[i - 1].Id, list[i].Dependencies);
        }
    }

    [Fact]
    public void Pipelined_segments_cover_each_model_contiguously_in_snake_order()
    {
        var technology = TechnologyLibrary.LoadDefault();
        var package = HardwareLoader.Load("scar-3x3-het", technology);
        var model = new ModelInstance("resnet18", ModelZoo.Create("resnet18", new ModelOptions(Batch: 4)), 4);
        var graph = new PipelinedPartitioner(CostModel, 4).Partition(package, [model]);
        var computes = graph.Tasks.OfType<ComputeTask>().ToList();
        Assert.Equal(4 * model.Graph.Operators.Length, computes.Count);
        Assert.Equal(4, graph.MiniBatches);
        // Every operator of one mini-batch is on one chiplet, and operators keep their order along the snake.
        var snake = PipelinedPartitioner.Snake(package).Select(c => c.Id).ToList();
        var positions = computes.Where(c => c.MiniBatch == 0).Select(c => snake.IndexOf(c.Core.Chiplet)).ToList();
        Assert.Equal(positions.Order(), positions);
        // Several chiplets, all of the design that suits the model (the cost model makes GEMM-like layers slow on OS).
        Assert.True(positions.Distinct().Count() > 1);
        Assert.Single(computes.Select(c => package.Chiplet(c.Core.Chiplet).Design.Name).Distinct());
        // Mini-batches split the batch: MACs add up to the model's.
        Assert.Equal(model.Graph.Macs, computes.Sum(c => c.Macs));
        // Weights are loaded once per segment.
        Assert.Equal(model.Graph.ParameterBytes, graph.Tasks.OfType<DramTask>().Where(d => d.Name.EndsWith("/weights", StringComparison.Ordinal)).Sum(d => d.Bytes));
    }

    [Fact]
    public void Tensor_parallelism_over_more_cores_than_the_package_has_is_reported()
    {
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 1), 1);
        var e = Assert.Throws<InfeasibleException>(() => new TensorParallelPartitioner(3).Partition(TestHardware.Row(2), [model]));
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void Fused_partitioning_creates_the_fused_partitioner()
    {
        Assert.IsType<FusedPartitioner>(Partitioners.Create(new PartitionOptions(PartitionMode.Fused), CostModel));
        Assert.Equal(PartitionMode.TensorParallel, Partitioners.ParseMode("tp"));
        Assert.Throws<TesseraInputException>(() => Partitioners.ParseMode("diagonal"));
    }

    [Fact]
    public void Task_graphs_reject_forward_dependencies()
    {
        var task = new ComputeTask(0, "t", "m", 0, [0], null, 0, new("c0", 0), "t", null, new VectorWork(1, 0, 0));
        Assert.Throws<TesseraInputException>(() => new TaskGraph(PartitionMode.Fused, [], [task]));
    }
}
