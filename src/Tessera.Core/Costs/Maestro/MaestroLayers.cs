using System.Collections.Immutable;
using Tessera.Hardware.Maestro;
using Tessera.Workloads;

namespace Tessera.Costs.Maestro;

/// <summary>
/// Tessera loop nests as MAESTRO layers. A convolution (B G K C OY OX FY FX) becomes a CONV with the input size MAESTRO
/// expects, (out − 1)·stride + window (no padding; dilation is not modelled, so a dilated window costs as a dense one
/// of the same size), or a DSCONV when it is depthwise; other groups repeat a per-group CONV. Any other nest becomes a
/// matrix product written as a 1×1 CONV (as MAESTRO's users write GEMMs): output columns K are the dimensions the
/// output shares with the weight, input channels C those it reduces, rows Y the rest of the output's; a weight that
/// differs per batch entry (attention) repeats the layer per entry.
/// </summary>
internal static class MaestroLayers
{
    private static readonly string[] ConvolutionDims = ["B", "G", "K", "C", "OY", "OX", "FY", "FX"];

    /// <summary>The MAESTRO layer and how many times it repeats to make the nest.</summary>
    public static (MaestroLayer Layer, long Repeats) FromNest(LoopNest nest)
    {
        var names = nest.Dimensions.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        return names.SetEquals(ConvolutionDims) ? Convolution(nest) : MatrixProduct(nest);
    }

    private static (MaestroLayer, long) Convolution(LoopNest nest)
    {
        long Size(string d) => nest.Sizes[d];
        var input = nest.Operand(OperandRole.Input);
        long Stride(string output) => input.Axes.SelectMany(a => a.Terms).First(t => t.Dimension == output).Coefficient;
        long sy = Stride("OY"), sx = Stride("OX");
        long y = (Size("OY") - 1) * sy + Size("FY"), x = (Size("OX") - 1) * sx + Size("FX");
        bool depthwise = Size("G") > 1 && Size("K") == 1 && Size("C") == 1;
        var strides = ImmutableDictionary<string, long>.Empty.Add("Y", sy).Add("X", sx);
        ImmutableArray<(string, long)> dims =
        [
            ("N", Size("B")), ("K", Size("K")), ("C", depthwise ? Size("G") : Size("C")),
            ("R", Size("FY")), ("S", Size("FX")), ("Y", y), ("X", x),
        ];
        var layer = new MaestroLayer("conv", depthwise ? MaestroLayerType.Depthwise : MaestroLayerType.Conv, dims, strides, Batched: true);
        return (layer, depthwise ? 1 : Size("G"));
    }

    private static (MaestroLayer, long) MatrixProduct(LoopNest nest)
    {
        var output = nest.Operand(OperandRole.Output).RelevantDimensions;
        var weight = nest.Operand(OperandRole.Weight).RelevantDimensions;
        var input = nest.Operand(OperandRole.Input).RelevantDimensions;
        long batch = nest.Sizes.GetValueOrDefault("B", 1);
        bool batchShared = !weight.Contains("B") && output.Contains("B") && input.Contains("B");
        long columns = 1, reduction = 1, rows = 1;
        foreach (var d in nest.Dimensions)
        {
            if (d.Name == "B") continue;
            if (output.Contains(d.Name) && weight.Contains(d.Name)) columns *= d.Size;
            else if (output.Contains(d.Name)) rows *= d.Size;
            else reduction *= d.Size;
        }
        ImmutableArray<(string, long)> dims =
            [("N", batchShared ? batch : 1), ("K", columns), ("C", reduction), ("R", 1), ("S", 1), ("Y", rows), ("X", 1)];
        var layer = new MaestroLayer("gemm", MaestroLayerType.Conv, dims, ImmutableDictionary<string, long>.Empty, Batched: true);
        return (layer, batchShared ? 1 : batch);
    }
}
