using Tessera.Diagnostics;
using Tessera.Workloads;

namespace Tessera.Tests;

public class WorkloadIrTests
{
    [Fact]
    public void Convolution_input_extent_covers_the_sliding_window()
    {
        // 3×3 stride-2 convolution to 56×56 reads (56−1)·2 + (3−1) + 1 = 113 rows of input.
        var nest = LoopNests.Convolution("x", "w", "y", 1, 1, 64, 3, 56, 56, 3, 3, 2, 2);
        var input = nest.Operand(OperandRole.Input);
        Assert.Equal(1L * 3 * 113 * 113, nest.UniqueElements(input));
        Assert.Equal(64L * 3 * 56 * 56 * 9, nest.Macs);
    }

    [Fact]
    public void Depthwise_convolution_touches_every_channel_once()
    {
        var nest = LoopNests.Convolution("x", "w", "y", 1, 32, 1, 1, 10, 10, 3, 3);
        Assert.Equal(32L * 12 * 12, nest.UniqueElements(nest.Operand(OperandRole.Input)));
        Assert.Equal(32L * 9, nest.UniqueElements(nest.Operand(OperandRole.Weight)));
        Assert.Equal(32L * 100 * 9, nest.Macs);
    }

    [Fact]
    public void A_cycle_is_reported_with_a_node_name()
    {
        Tensor T(string n) => new(n, [4], 8, TensorKind.Activation);
        var ops = new Operator[]
        {
            new ShapeOperator("a", "Identity", ["t2"], ["t1"], ShapeKind.Identity),
            new ShapeOperator("b", "Identity", ["t1"], ["t2"], ShapeKind.Identity),
        };
        var e = Assert.Throws<TesseraInputException>(() => new ModelGraph("m", [T("t1"), T("t2")], ops));
        Assert.Contains("cycle", e.Message);
    }

    [Fact]
    public void Zero_sizes_are_rejected()
    {
        Assert.Throws<TesseraInputException>(() => LoopNests.MatMul("a", "b", "c", 1, 0, 4, 4));
    }
}
