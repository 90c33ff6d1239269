using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Interop.Stream;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Tiling;
using Tessera.Workloads.Zoo;
using Xunit.Abstractions;
using Tessera.Workloads;
using Tessera.Interop;

namespace Tessera.Tests.Scheduling;

public class FusedPartitionerTests(ITestOutputHelper output)
{
    private static readonly RooflineCostModel CostModel = new();

    private static string Lab(int lab, params string[] parts) => TestData.Shared(["data", "stream-tutorial", $"lab{lab}", .. parts]);

    private static (Package Package, ModelInstance Model, StreamMapping Mapping) Lab1()
    {
        var package = HardwareLoader.Load(Lab(1, "hardware", "hda_bus.yaml"), TechnologyLibrary.LoadDefault());
        var graph = OnnxImporter.Load(Lab(1, "workload", "4_convs.onnx"), new OnnxImportOptions(1, 8));
        return (package, new ModelInstance("4_convs", graph, 1), StreamMapping.Load(Lab(1, "mapping", "mapping.yaml"), package));
    }

    [Fact]
    public void Compute_macs_of_the_tiles_sum_to_the_model_and_weights_are_read_once_per_core()
    {
        var package = TestHardware.Row(3);
        var model = new ModelInstance("resnet18", ModelZoo.Create("resnet18", new ModelOptions(Batch: 1)), 1);
        var graph = new FusedPartitioner(CostModel).Partition(package, [model]);
        Assert.Equal(PartitionMode.Fused, graph.Mode);
        var computes = graph.Tasks.OfType<ComputeTask>().ToList();
        Assert.Equal(model.Graph.Operators.Sum(o => (o as Tessera.Workloads.ComputeOperator)?.Nest.Macs ?? 0), computes.Sum(t => t.Macs));
        Assert.All(computes, t => Assert.Null(t.StreamsFrom));
        Assert.All(computes, t => Assert.NotNull(t.Output));
        // Output-row tiles of a convolution all read the whole weight: one DRAM read per (core, weight tensor).
        var weightReads = graph.Tasks.OfType<DramTask>()
            .Where(d => !d.Write && model.Graph.Tensors[d.Name.Split(' ')[^1]].Kind == Tessera.Workloads.TensorKind.Parameter).ToList();
        Assert.NotEmpty(weightReads);
        Assert.Equal(weightReads.Count, weightReads.Select(d => (d.Core, d.Name.Split(' ')[^1])).Distinct().Count());
        // Each layer's tiles stay on one core (no mapping fixes them).
        Assert.All(computes.GroupBy(t => t.Operator), g => Assert.Single(g.Select(t => t.Core).Distinct()));
    }

    [Fact]
    public void Every_tile_dependency_across_cores_is_one_transfer_of_exactly_its_bytes()
    {
        var (package, model, mapping) = Lab1();
        var graph = new FusedPartitioner(CostModel, mapping: mapping).Partition(package, [model]);
        var tiled = mapping.Tile(model.Graph);
        var computeOf = graph.Tasks.OfType<ComputeTask>().ToDictionary(t => t.Name);
        var taskOf = tiled.Tiles.Select(t => computeOf[$"{t.Operator}[{t.Index}]"]).ToArray();
        var transfers = graph.Tasks.OfType<TransferTask>().ToList();
        int across = 0;
        foreach (var d in tiled.Dependencies)
        {
            var (from, to) = (taskOf[d.From], taskOf[d.To]);
            if (from.Core == to.Core)
            {
                Assert.Contains(from.Id, to.Dependencies);
                continue;
            }
            across++;
            var moved = transfers.Where(x => x.Dependencies.Contains(from.Id) && to.Dependencies.Contains(x.Id)).ToList();
            var expected = tiled.Dependencies.Where(e => e.From == d.From && e.To == d.To).Select(e => e.Bytes).Order();
            Assert.Equal(expected, moved.Select(x => x.Bytes).Order());
            Assert.All(moved, x => Assert.Equal((from.Core, to.Core), (x.From, x.To)));
        }
        Assert.True(across > 0, "lab 1 puts layers on different cores");
        Assert.Equal(across, transfers.Count);
        Assert.Equal(tiled.Dependencies.Where(d => taskOf[d.From].Core != taskOf[d.To].Core).Sum(d => d.Bytes), transfers.Sum(t => t.Bytes));
    }

    [Theory]
    [InlineData("roofline", "OY, all")]
    [InlineData("loopnest", "OY, all; OX, 4")]
    public void Fusing_fsrcnn_on_small_buffer_cores_moves_fewer_dram_bytes_than_layer_by_layer(string model, string tiling)
    {
        IOperatorCostModel costModel = model == "roofline" ? CostModel : new LoopNestCostModel();
        var package = HardwareLoader.Load(Lab(1, "hardware", "hda_bus.yaml"), TechnologyLibrary.LoadDefault());
        var graph = OnnxImporter.Load(TestData.Shared("data", "onnx", "fsrcnn.onnx"), new OnnxImportOptions(1, 8));
        var models = new[] { new ModelInstance("fsrcnn", graph, 1) };
        var simulator = new Simulator(costModel);
        var lbl = simulator.Simulate("lbl", package, new LayerByLayerPartitioner(costModel).Partition(package, models)).Evaluation;
        var spec = TilingSpec.Parse(tiling.Split(';', StringSplitOptions.TrimEntries));
        var fused = simulator.Simulate("fused", package, new FusedPartitioner(costModel, spec).Partition(package, models)).Evaluation;
        output.WriteLine($"FSRCNN ({model}, {tiling}) DRAM bytes: layer by layer {lbl.DramBytes:E4}, fused {fused.DramBytes:E4} " +
            $"(spilled {fused.SpilledBytes:E4}), ratio fused/lbl {fused.DramBytes / lbl.DramBytes:F3}");
        Assert.True(fused.DramBytes < lbl.DramBytes, $"fused {fused.DramBytes} ≥ layer by layer {lbl.DramBytes}");
        Assert.Equal(lbl.Models[0].Macs, fused.Models[0].Macs);
    }

    [Fact]
    public void Depth_first_order_runs_a_consumer_row_as_soon_as_its_producer_rows_exist()
    {
        var (package, model, _) = Lab1();
        var graph = new FusedPartitioner(CostModel, TilingSpec.Parse("OY, all")).Partition(package, [model]);
        var names = graph.Tasks.OfType<ComputeTask>().Select(t => t.Operator).ToList();
        // The second layer starts long before the first has finished all its rows.
        int firstOfSecond = names.IndexOf(model.Graph.Operators[1].Name);
        int lastOfFirst = names.LastIndexOf(model.Graph.Operators[0].Name);
        Assert.True(firstOfSecond < lastOfFirst / 4, $"layer 2 first at {firstOfSecond}, layer 1 last at {lastOfFirst}");
    }
}
