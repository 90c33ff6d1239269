using Tessera.Costs.Mapping;
using Tessera.Hardware;

namespace Tessera.Costs;

/// <summary>The arithmetic energy of an in-memory-compute macro array by component, in pJ (ZigZag-IMC's breakdown).</summary>
public sealed record ImcEnergy(double DacPj, double AdcPj, double MultiplierPj, double BitlinePj, double AdderTreePj,
    double PlaceValuePj, double AccumulatorPj)
{
    public double TotalPj => DacPj + AdcPj + MultiplierPj + BitlinePj + AdderTreePj + PlaceValuePj + AccumulatorPj;
}

/// <summary>
/// ZigZag-IMC's macro energy (Sun, Houshmand &amp; Verhelst, ICCAD 2023) for one operator under a spatial unrolling. Each
/// macro activation applies the input bit-slices one cycle at a time; per slice, an analog macro drives its mapped rows
/// through DACs, switches the cells of every column on those rows, charges the mapped columns' bitlines over all rows
/// and converts each of their weight bits with an ADC; a digital macro switches all its 1-bit multipliers and sums the
/// mapped rows of each mapped column in adder trees. Both then merge weight bits (analog) or input bits (digital) by
/// place value and, when inputs take several cycles, accumulate the slices.
/// </summary>
public static class ImcEnergyModel
{
    /// <summary>
    /// The macro's energy for <paramref name="macs"/> MACs with the clipped spatial <paramref name="factors"/>. The
    /// unrolling along the column and row axes is spread evenly over the macros it needs; activations are the MACs over
    /// the weights one macro then applies at once (ZigZag-IMC's count), times the input's bit-serial cycles.
    /// </summary>
    public static ImcEnergy Of(ImcMacro macro, IEnumerable<SpatialFactor> factors, double macs)
    {
        ArgumentNullException.ThrowIfNull(macro);
        var list = factors.ToList();
        double Used(string axis) => list.Where(f => f.Axis == axis).Aggregate(1.0, (p, f) => p * f.Factor);
        static double PerMacro(double used, int size) => used / Math.Ceiling(used / size);
        double columns = PerMacro(Used(macro.ColumnAxis), macro.Columns), rows = PerMacro(Used(macro.RowAxis), macro.Rows);
        double slices = macs / (columns * rows) * macro.CyclesPerStep;

        var c = macro.Circuit;
        int w = macro.WeightBits;
        double placeValue = c.Pj(c.FullAdderFf) * PlaceValueAdders(macro.PlaceValueInputs, macro.ColumnSumBits) * columns;
        double accumulator = macro.CyclesPerStep > 1 ? c.Pj(c.FullAdderFf + c.FlipFlopFf) * macro.AccumulatorBits * columns : 0;
        if (macro.IsAnalog)
            // A driven row switches the cells of every column; a mapped column's bitlines span every row.
            return new ImcEnergy(c.DacPj(macro.BitSerialBits) * rows * slices, c.AdcPj(macro.AdcBits) * w * columns * slices,
                c.Pj(c.MultiplierFf) * w * macro.Columns * rows * slices, c.Pj(c.BitlineCellFf) * w * columns * macro.Rows * slices,
                0, placeValue * slices, accumulator * slices);
        // Digital multipliers are not gated by the mapping; each mapped column has an adder tree per input bit of a cycle.
        int leaves = 1 << macro.AdderTreeDepth;
        return new ImcEnergy(0, 0, c.Pj(c.MultiplierFf) * macro.BitSerialBits * w * macro.Columns * macro.Rows * slices, 0,
            AdderTreePj(c, leaves, w, (int)Math.Ceiling(rows)) * macro.BitSerialBits * columns * slices,
            placeValue * slices, accumulator * slices);
    }

    /// <summary>
    /// One pass through a ripple-carry adder tree over <paramref name="leaves"/> inputs (a power of two) of
    /// <paramref name="bits"/> bits, the first <paramref name="active"/> of which carry data. The root adds two sums of
    /// bits + depth − 1 bits: it switches fully when both halves carry data, only its XOR gates when one does (no carry),
    /// not at all when none does.
    /// </summary>
    internal static double AdderTreePj(ImcCircuit circuit, int leaves, int bits, int active)
    {
        if (leaves <= 1 || active <= 0) return 0;
        int half = leaves / 2, left = Math.Min(active, half), right = active - left;
        int width = bits + (int)Math.Log2(leaves) - 1;
        double root = width * circuit.Pj(right > 0 ? circuit.FullAdderFf : circuit.HalfActiveFullAdderFf);
        return root + AdderTreePj(circuit, half, bits, left) + AdderTreePj(circuit, half, bits, right);
    }

    /// <summary>
    /// Full adders of ZigZag-IMC's place-value adder over <paramref name="inputs"/> partial sums of <paramref name="bits"/>
    /// bits: b·(n − 1) for the additions plus n·(log₂ n − ½) for the shifted place values.
    /// </summary>
    internal static double PlaceValueAdders(int inputs, int bits) =>
        inputs <= 1 ? 0 : bits * (inputs - 1) + inputs * (Math.Log2(inputs) - 0.5);
}
