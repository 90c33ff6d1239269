using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Interop.Stream;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Tiling;
using Tessera.Workloads.Zoo;
using Xunit.Abstractions;

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
    public void A_producer_row_crosses_once_to_the_core_that_reads_it_however_many_rows_read_it()
    {
        // Lab 1: Layer0 → core0, Layer1 → core1, Layer2 → core2, Layer3 → core0; 56 output rows of 8 channels × 56 bytes.
        var (package, model, mapping) = Lab1();
        var graph = new FusedPartitioner(CostModel, mapping: mapping).Partition(package, [model]);
        var transfers = graph.Tasks.OfType<TransferTask>().ToList();
        Assert.Equal(3 * 56, transfers.Count);
        Assert.All(transfers, t => Assert.Equal(8 * 56, t.Bytes));
        // Each 3×3 consumer row reads three producer rows (two at the edges), so a row arrives once for up to three users.
        var computes = graph.Tasks.OfType<ComputeTask>().ToDictionary(t => t.Id);
        var users = transfers.Select(t => graph.Tasks.Count(x => x is ComputeTask && x.Dependencies.Contains(t.Id))).ToList();
        Assert.Equal(3 * (2 * 2 + 54 * 3), users.Sum());
        Assert.All(transfers, t => Assert.Equal(t.From, computes[Assert.Single(t.Dependencies)].Core));
    }

    [Fact]
    public void Model_input_and_weights_are_read_from_dram_once()
    {
        var (package, model, mapping) = Lab1();
        var graph = new FusedPartitioner(CostModel, mapping: mapping).Partition(package, [model]);
        var reads = graph.Tasks.OfType<DramTask>().Where(d => !d.Write).ToList();
        long input = model.Graph.Tensors.Values.Where(t => t.Kind == TensorKind.ModelInput).Sum(t => t.Bytes);
        Assert.Equal(3 * 56 * 56, input);
        // Each input row tile reads only the row its predecessor lacks; every layer's weights once on its core.
        Assert.Equal(input + model.Graph.ParameterBytes, reads.Sum(r => r.Bytes));
    }

    [Fact]
    public void Cores_that_share_a_memory_exchange_tiles_without_transfers()
    {
        var design = new Chiplet("c", [TestHardware.Core()], "28nm");
        var pair = new Package("pair", [new ChipletInstance("c0", design, 0, 0), new ChipletInstance("c1", design, 1, 0)],
            [new MemoryDevice("dram", "test", 1e12, 10, 0, 1L << 32)], [new Link("dram", "c0", 1e12, 0, 0), new Link("c0", "c1", 1e12, 0, 0)]);
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 2), 1);
        var ops = model.Graph.Operators;
        var allocation = System.Collections.Immutable.ImmutableDictionary<(string, string), CoreRef>.Empty
            .Add(("m", ops[0].Name), new("c0", 0)).Add(("m", ops[1].Name), new("c1", 0));
        var partitioner = new FusedPartitioner(CostModel, TilingSpec.Parse("D, 4"), allocation: allocation);
        Assert.Equal(4, partitioner.Partition(pair, [model]).Tasks.OfType<TransferTask>().Count());
        var shared = partitioner.Partition(pair with { SharedMemoryGroups = [["c0", "c1"]] }, [model]);
        Assert.Empty(shared.Tasks.OfType<TransferTask>());
        Assert.Equal(model.Graph.ParameterBytes + model.Graph.Tensors["x"].Bytes,
            shared.Tasks.OfType<DramTask>().Where(d => !d.Write).Sum(d => d.Bytes));
    }

    [Theory]
    [InlineData("roofline", "OY, all")]
    [InlineData("loopnest", "OY, all")]
    public void Fusing_fsrcnn_on_cores_that_hold_its_rows_moves_fewer_dram_bytes_than_layer_by_layer(string model, string tiling)
    {
        IOperatorCostModel costModel = model == "roofline" ? CostModel : new LoopNestCostModel();
        var package = HardwareLoader.Load(TestData.Shared("data", "stream", "hardware", "tpu_like_quad_core.yaml"), TechnologyLibrary.LoadDefault());
        var graph = OnnxImporter.Load(TestData.Shared("data", "onnx", "fsrcnn.onnx"), new OnnxImportOptions(1, 8));
        var models = new[] { new ModelInstance("fsrcnn", graph, 1) };
        var simulator = new Simulator(costModel);
        // The four TPU-like cores, where Stream's mapping of this accelerator runs convolutions (not the pooling and SIMD
        // engines); both runs put each layer on the same one of them.
        ImmutableArray<CoreRef> tpuCores = [.. Enumerable.Range(0, 4).Select(i => new CoreRef($"core{i}", 0))];
        var lblGraph = new LayerByLayerPartitioner(costModel, allowedCores: (_, _) => tpuCores).Partition(package, models);
        var lbl = simulator.Simulate("lbl", package, lblGraph).Evaluation;
        var allocation = lblGraph.Tasks.OfType<ComputeTask>().ToImmutableDictionary(t => (t.Model, t.Operator), t => t.Core);
        var spec = TilingSpec.Parse(tiling.Split(';', StringSplitOptions.TrimEntries));
        var fused = simulator.Simulate("fused", package, new FusedPartitioner(costModel, spec, allocation: allocation).Partition(package, models)).Evaluation;
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
