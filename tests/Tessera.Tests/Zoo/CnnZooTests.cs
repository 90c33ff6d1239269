using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Zoo;

public class CnnZooTests
{
    private static void AssertNear(double expected, double actual, double relative) =>
        Assert.InRange(actual, expected * (1 - relative), expected * (1 + relative));

    [Fact]
    public void ResNet18_matches_torchvision_exactly()
    {
        var g = ModelZoo.Create("resnet18");
        Assert.Equal(11_689_512, g.ParameterCount);     // torchvision resnet18 num_params
        Assert.Equal(1_814_073_344, g.Macs);            // models.md 1.814 G
        // 20 convolutions (17 in the trunk, 3 downsample shortcuts) and one FC of 512·1000 MACs.
        var compute = g.Operators.OfType<ComputeOperator>().ToList();
        Assert.Equal(20, compute.Count(c => c.OpType == "Conv"));
        Assert.Equal(512L * 1000, compute.Single(c => c.OpType == "Gemm").Nest.Macs);
        // The stem alone: 3·64·7·7 weights at 112×112 outputs.
        Assert.Equal(3L * 64 * 49 * 112 * 112, compute.Single(c => c.Name == "conv1").Nest.Macs);
    }

    [Fact]
    public void ResNet50_matches_torchvision()
    {
        var g = ModelZoo.Create("resnet50");
        Assert.Equal(25_557_032, g.ParameterCount);     // torchvision resnet50 num_params
        AssertNear(4.09e9, g.Macs, 0.02);
        Assert.Equal(53, g.Operators.Count(o => o.OpType == "Conv"));   // 1 + 16·3 + 4 downsample
    }

    [Fact]
    public void MobileNetV2_matches_torchvision()
    {
        var g = ModelZoo.Create("mobilenetv2");
        Assert.Equal(3_504_872, g.ParameterCount);      // torchvision mobilenet_v2 num_params
        AssertNear(0.30e9, g.Macs, 0.05);
        // Hand-derived: 3×3/2 stem 3→32 at 112×112, and the classifier 1280·1000.
        Assert.Equal(3L * 32 * 9 * 112 * 112, g.Operators.OfType<ComputeOperator>().Single(c => c.Name == "features.0").Nest.Macs);
        Assert.Equal(1280L * 1000, g.Operators.OfType<ComputeOperator>().Single(c => c.Name == "fc").Nest.Macs);
        // 10 residual adds: blocks whose stride is 1 and whose channels do not change.
        Assert.Equal(10, g.Operators.Count(o => o.OpType == "Add"));
        // Depthwise convolutions have one input channel per group.
        var dw = g.Operators.OfType<ComputeOperator>().First(c => c.Name.EndsWith(".depthwise", StringComparison.Ordinal));
        Assert.Equal(1, dw.Nest.Sizes["C"]);
        Assert.Equal(32, dw.Nest.Sizes["G"]);
    }

    [Fact]
    public void GoogLeNet_matches_torchvision()
    {
        var g = ModelZoo.Create("googlenet");
        AssertNear(6.6e6, g.ParameterCount, 0.03);
        Assert.Equal(6_624_904, g.ParameterCount);      // torchvision googlenet num_params (no aux heads)
        AssertNear(1.5e9, g.Macs, 0.05);
        // Ceil-mode pools give 56, 28, 14, 7; inception 5b ends with 384+384+128+128 channels.
        Assert.Equal([1L, 1024, 7, 7], g.Tensors["inception5b.concat.out"].Shape.ToArray());
        Assert.Equal([1L, 480, 14, 14], g.Tensors["maxpool3.out"].Shape.ToArray());
        // torchvision's "5×5" branch is a 3×3 convolution.
        var branch3 = g.Operators.OfType<ComputeOperator>().Single(c => c.Name == "inception3a.branch3.1");
        Assert.Equal(3, branch3.Nest.Sizes["FY"]);
    }

    [Fact]
    public void UNet_has_about_31M_parameters_and_keeps_the_resolution()
    {
        var g = ModelZoo.Create("unet");
        AssertNear(31e6, g.ParameterCount, 0.03);
        Assert.Equal(31_030_658, g.ParameterCount);     // hand sum of 23 convs with bias (see Cnns.UNet)
        Assert.Equal([1L, 2, 512, 512], g.Tensors["head.out"].Shape.ToArray());
        Assert.Equal([1L, 1024, 32, 32], g.Tensors["bottom.relu2.out"].Shape.ToArray());
        // A 2×2 stride-2 up-convolution costs Cin·Cout·k²·Hin·Win MACs.
        var up = g.Operators.OfType<ComputeOperator>().Single(c => c.Name == "up3.upconv");
        Assert.Equal(1024L * 512 * 4 * 32 * 32, up.Nest.Macs);
        Assert.Equal([1L, 512, 64, 64], g.Tensors["up3.upconv.d2s.out"].Shape.ToArray());
        Assert.Equal(4, g.Operators.Count(o => o.OpType == "ConvTranspose"));
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("mobilenetv2")]
    [InlineData("googlenet")]
    [InlineData("unet")]
    public void Batch_4_costs_4_times_batch_1_and_every_tensor_has_the_requested_width(string name)
    {
        var one = ModelZoo.Create(name);
        var four = ModelZoo.Create(name, new ModelOptions(Batch: 4, Bits: 16));
        Assert.Equal(4 * one.Macs, four.Macs);
        Assert.Equal(one.ParameterCount, four.ParameterCount);
        Assert.All(four.Tensors.Values, t => Assert.Equal(16, t.Bits));
        Assert.All(four.ModelInputs, t => Assert.Equal(4, t.Shape[0]));
    }

    [Fact]
    public void Batch_norm_carries_scale_and_shift_per_channel()
    {
        var g = ModelZoo.Create("resnet18");
        var bns = g.Operators.OfType<VectorOperator>().Where(v => v.Kind == VectorKind.BatchNorm).ToList();
        Assert.Equal(20, bns.Count);
        foreach (var bn in bns)
        {
            var channels = g.Tensors[bn.Inputs[0]].Shape[1];
            var parameters = bn.Inputs.Select(i => g.Tensors[i]).Where(t => t.Kind == TensorKind.Parameter);
            Assert.Equal(2 * channels, parameters.Sum(t => t.Elements));
            Assert.Equal(VectorOpCounts.BatchNorm, bn.OpsPerElement);
        }
    }

    [Fact]
    public void Pooling_costs_its_window_and_follows_ceil_mode()
    {
        var g = ModelZoo.Create("resnet18");
        var pool = g.Operators.OfType<VectorOperator>().Single(v => v.Name == "maxpool");
        Assert.Equal(9, pool.OpsPerElement);
        Assert.Equal(64L * 56 * 56, pool.Elements);
        Assert.Equal(56, GraphBuilder.PoolOutput(112, 3, 2, 0, ceilMode: true));
        Assert.Equal(55, GraphBuilder.PoolOutput(112, 3, 2, 0, ceilMode: false));
        // PyTorch drops a last window that would start in the padding.
        Assert.Equal(14, GraphBuilder.PoolOutput(14, 3, 1, 1, ceilMode: true));
    }
}
