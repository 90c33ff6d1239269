using System.Globalization;
using Tessera.Technology;

namespace Tessera.Hardware;

/// <summary>Analog IMC sums products as charge on the bitlines and digitises them with ADCs; digital IMC sums them in adder trees.</summary>
public enum ImcKind { Analog, Digital }

/// <summary>
/// The circuit figures of ZigZag-IMC's macro model (technology.yaml <c>imc.*</c>): switched capacitances of its gates,
/// the ADC and DAC fits, gate delays along the critical path, and the energy of writing a weight cell.
/// </summary>
public sealed record ImcCircuit(
    double SupplyV,
    double MultiplierFf,
    double FullAdderFf,
    double HalfActiveFullAdderFf,
    double FlipFlopFf,
    double BitlineCellFf,
    double AdcLinearFf,
    double AdcThermalFf,
    double DacFfPerBit,
    double MultiplierDelayNs,
    double SumDelayNs,
    double CarryDelayNs,
    double CarryChainDelayNs,
    double AdcDelayPerBitNs,
    double AdcDelayPerRowNs,
    double CellWriteEnergyPerBitPj)
{
    private const double FemtojoulesPerPicojoule = 1000;

    public static ImcCircuit From(TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(technology);
        double V(string key) => technology.Value("imc." + key);
        return new(V("supply_voltage"), V("multiplier_capacitance"), V("full_adder_capacitance"), V("half_active_full_adder_capacitance"),
            V("flip_flop_capacitance"), V("bitline_cell_capacitance"), V("adc_linear_capacitance"), V("adc_thermal_capacitance"),
            V("dac_capacitance"), V("multiplier_delay"), V("full_adder_sum_delay"), V("full_adder_carry_delay"),
            V("full_adder_carry_chain_delay"), V("adc_delay_per_bit"), V("adc_delay_per_row"), V("cell_write_energy"));
    }

    /// <summary>Energy of switching <paramref name="femtofarads"/> once at the supply voltage, in pJ.</summary>
    public double Pj(double femtofarads) => femtofarads * SupplyV * SupplyV / FemtojoulesPerPicojoule;

    /// <summary>One conversion of a <paramref name="bits"/>-bit ADC: a term per bit and the 4^B term of noise-limited converters.</summary>
    public double AdcPj(int bits) => bits <= 0 ? 0 : Pj(AdcLinearFf * bits + AdcThermalFf * Math.Pow(4, bits));

    /// <summary>Driving one row with a <paramref name="bits"/>-bit input; a 1-bit input drives the wordline directly.</summary>
    public double DacPj(int bits) => bits <= 1 ? 0 : Pj(DacFfPerBit * bits);

    /// <summary>Conversion time of a <paramref name="bits"/>-bit ADC on a bitline of <paramref name="rows"/> cells.</summary>
    public double AdcDelayNs(int bits, int rows) => bits <= 0 ? 0 : bits * (AdcDelayPerRowNs * rows + AdcDelayPerBitNs);

    /// <summary>
    /// A ripple-carry adder tree of <paramref name="depth"/> stages: sums through all but the last stage, then a carry out
    /// that ripples over <paramref name="carryBits"/> more bits.
    /// </summary>
    public double AdderTreeDelayNs(int depth, double carryBits) =>
        depth <= 0 ? 0 : (depth - 1) * SumDelayNs + CarryDelayNs + carryBits * CarryChainDelayNs;
}

/// <summary>
/// An in-memory-compute macro array after ZigZag-IMC: each macro stores <see cref="Rows"/> × <see cref="Columns"/>
/// weights of <see cref="WeightBits"/> cells. A column (one bitline per weight bit) produces one output, along
/// <see cref="ColumnAxis"/>; the rows of a column are summed on its bitlines (analog, then <see cref="AdcBits"/>-bit ADCs)
/// or in adder trees (digital), along <see cref="RowAxis"/>. The array's other axes, and repeats of the macro along
/// these two, count macros. Inputs enter bit-serially, <see cref="BitSerialBits"/> per cycle (through DACs in analog
/// macros), so one step of the array takes <see cref="CyclesPerStep"/> cycles.
/// </summary>
public sealed record ImcMacro(
    ImcKind Kind,
    string ColumnAxis,
    string RowAxis,
    int Columns,
    int Rows,
    int InputBits,
    int WeightBits,
    int BitSerialBits,
    int AdcBits,
    ImcCircuit Circuit)
{
    /// <summary>Cycles of one MAC step: the input's bits, <see cref="BitSerialBits"/> at a time.</summary>
    public int CyclesPerStep => (InputBits + BitSerialBits - 1) / BitSerialBits;

    public bool IsAnalog => Kind == ImcKind.Analog;

    /// <summary>Levels of a digital macro's adder tree over its rows.</summary>
    public int AdderTreeDepth => (int)Math.Ceiling(Math.Log2(Rows));

    /// <summary>Bits of a column's sum before place values: the ADC's, or the weight's plus the adder tree's growth.</summary>
    public int ColumnSumBits => IsAnalog ? AdcBits : WeightBits + AdderTreeDepth;

    /// <summary>Inputs of the place-value adder that merges a column's partial sums: one per weight bit (analog) or per input bit of a cycle (digital).</summary>
    public int PlaceValueInputs => IsAnalog ? WeightBits : BitSerialBits;

    /// <summary>Bits of the accumulator that adds the bit-serial cycles of a step: input, weight and the column sum's growth.</summary>
    public int AccumulatorBits => InputBits + WeightBits + (IsAnalog ? AdcBits : AdderTreeDepth);

    /// <summary>
    /// The macro's critical path, multiplier → ADC (analog) or adder tree (digital) → place-value adder → accumulator:
    /// the shortest clock period it runs at, in ns (ZigZag-IMC's t_clk).
    /// </summary>
    public double ClockPeriodNs
    {
        get
        {
            var c = Circuit;
            // A digital tree's carry ripples over its result but the two lowest bits.
            double path = c.MultiplierDelayNs + (IsAnalog ? c.AdcDelayNs(AdcBits, Rows) : c.AdderTreeDelayNs(AdderTreeDepth, ColumnSumBits - 2));
            double merged = ColumnSumBits;
            if (PlaceValueInputs > 1)
            {
                path += c.AdderTreeDelayNs((int)Math.Ceiling(Math.Log2(PlaceValueInputs)), PlaceValueInputs - 1);
                merged += PlaceValueInputs;
            }
            if (CyclesPerStep > 1) path += c.AdderTreeDelayNs(1, AccumulatorBits - merged - 1);
            return path;
        }
    }

    /// <summary>Macros the array holds: its processing elements over one macro's weights.</summary>
    public long Macros(PeArray array) => array.ProcessingElements / ((long)Rows * Columns);

    /// <summary>What makes this macro's shape inconsistent with <paramref name="array"/>, or null when it fits.</summary>
    public string? Inconsistency(PeArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (ColumnAxis == RowAxis) return $"rows and columns lie along the same axis {RowAxis}";
        foreach (var (axis, size, what) in new[] { (ColumnAxis, Columns, "columns"), (RowAxis, Rows, "rows") })
        {
            if (array.Axes.FirstOrDefault(a => a.Name == axis) is not { } a) return $"the macro's {what} lie along axis {axis}, which the array lacks";
            if (size > a.Size) return $"the macro has {size} {what} but the array's {axis} axis has {a.Size}: the macro is larger than its array";
            if (a.Size % size != 0) return $"the array's {axis} axis ({a.Size}) is not a whole number of macros of {size} {what}";
        }
        return null;
    }

    /// <summary>The kind a description names (analog, digital; any case), or null.</summary>
    public static ImcKind? KindOf(string text) => text.Trim().ToLowerInvariant() switch
    {
        "analog" => ImcKind.Analog,
        "digital" => ImcKind.Digital,
        _ => null,
    };

    /// <summary>Why <paramref name="bitSerialBits"/> input bits per cycle cannot feed <paramref name="inputBits"/>-bit inputs, or null.</summary>
    public static string? SerialProblem(int inputBits, int bitSerialBits) =>
        bitSerialBits > inputBits ? $"{bitSerialBits} input bits per cycle exceed the input's {inputBits}; expected 1 to {inputBits}" : null;

    /// <summary>Why an ADC resolution does not suit the kind of macro, or null.</summary>
    public static string? AdcProblem(ImcKind kind, int adcBits) => kind switch
    {
        ImcKind.Analog when adcBits <= 0 => $"ADC resolution {adcBits}; an analog macro needs a positive one",
        ImcKind.Digital when adcBits != 0 => $"ADC resolution {adcBits} on a digital macro, which has no ADC; expected none (or an analog macro)",
        _ => null,
    };

    /// <summary>
    /// The unrolling an IMC macro implies when nothing else gives one: output channels along the columns, and along the
    /// rows the one of input channels or filter columns or rows that fills most of them (ZigZag's default_imc hint).
    /// </summary>
    public SpatialUnrolling DefaultUnrolling(PeArray array)
    {
        int Size(string axis) => array.Axes.First(a => a.Name == axis).Size;
        return new SpatialUnrolling("imc", [
            new AxisUnrolling(ColumnAxis, [("K", Size(ColumnAxis))]),
            new AxisUnrolling(RowAxis, [("C", Size(RowAxis))], Choices: ["C", "FX", "FY"]),
        ]);
    }

    /// <summary>A culture-independent key of every figure that changes costs (caches compare cores by value).</summary>
    public string Key => string.Join(":", new object[]
    {
        Kind, ColumnAxis, RowAxis, Columns, Rows, InputBits, WeightBits, BitSerialBits, AdcBits,
        string.Join(",", ((IEnumerable<double>)[Circuit.SupplyV, Circuit.MultiplierFf, Circuit.FullAdderFf, Circuit.HalfActiveFullAdderFf,
            Circuit.FlipFlopFf, Circuit.BitlineCellFf, Circuit.AdcLinearFf, Circuit.AdcThermalFf, Circuit.DacFfPerBit])
            .Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
    }.Select(o => Convert.ToString(o, CultureInfo.InvariantCulture)));
}
