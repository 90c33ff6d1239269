using System.Text.RegularExpressions;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Technology;
using Tessera.Tests.Cli;
using Tessera.Workloads;

namespace Tessera.Tests.Hardware;

/// <summary>IMC descriptions, in Tessera's YAML and in ZigZag/Stream core files: what they build and what they refuse.</summary>
public sealed partial class ImcDescriptionTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    private const string Package = """
        name: imc
        chiplets:
          imc:
            cores:
              - name: macro
                array: {D1: 32, D2: 64, D3: 2}
                imc: {type: analog, columns: 16, rows: 32, input_bits: 8, weight_bits: 8, bit_serial: 2, adc_bits: 6}
                memories:
                  - {name: buffer, size: 64 KiB, bandwidth: 512, holds: [input, output]}
        memories:
          - {id: dram, type: LPDDR5, attach: all}
        """;

    private static Core Core(string text) => HardwareLoader.LoadCore(CliRunner.TempFile(text), Tech).Core;

    private static void Fails(string text, string expected, string extension = ".yaml")
    {
        var path = CliRunner.TempFile(text, extension);
        var e = Assert.Throws<TesseraInputException>(() => HardwareLoader.LoadCore(path, Tech));
        var file = Path.GetFileName(path);
        Assert.StartsWith(file + ":", e.Message, StringComparison.Ordinal);
        Assert.Matches(Position(), e.Message[file.Length..]);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^:\d+:\d+: ")]
    private static partial Regex Position();

    [Fact]
    public void An_imc_key_makes_a_macro_array_with_its_cells_its_unrolling_and_its_clock()
    {
        var core = Core(Package);
        var macro = core.Array.Imc!;
        Assert.Equal((ImcKind.Analog, "D1", "D2", 16, 32), (macro.Kind, macro.ColumnAxis, macro.RowAxis, macro.Columns, macro.Rows));
        Assert.Equal(2 * 2 * 2, macro.Macros(core.Array));                 // 32/16 × 64/32 × D3 2
        var cells = core.Memories[0];
        Assert.Equal(("cells", 32L * 64 * 8), (cells.Name, cells.CapacityBits));
        Assert.Equal(OperandRole.Weight, Assert.Single(cells.Holds));
        Assert.Equal(4 * 16 * 8, cells.WriteBitsPerCycle);                  // a row of each of the plane's 2 × 2 macros per cycle
        Assert.Equal(0.095 / 8, cells.WriteEnergyPerBitPj, 12);
        Assert.Equal(1e9 / macro.ClockPeriodNs, core.FrequencyHz, 6);       // no frequency: the macro's own clock
        Assert.Equal("imc", core.Dataflow.Name);
    }

    [Theory]
    [InlineData("columns: 16, rows: 32", "columns: 16, rows: 128", "the macro has 128 rows but the array's D2 axis has 64: the macro is larger than its array")]
    [InlineData("columns: 16, rows: 32", "columns: 12, rows: 32", "the array's D1 axis (32) is not a whole number of macros of 12 columns")]
    [InlineData("input_bits: 8, ", "", "lacks 'input_bits'")]
    [InlineData("weight_bits: 8, ", "", "lacks 'weight_bits'")]
    [InlineData("adc_bits: 6", "adc_bits: 0", "ADC resolution 0; an analog macro needs a positive one")]
    [InlineData("adc_bits: 6", "adc_bits: -3", "ADC resolution -3; an analog macro needs a positive one")]
    [InlineData(", adc_bits: 6", "", "ADC resolution 0; an analog macro needs a positive one")]
    [InlineData("type: analog", "type: digital", "ADC resolution 6 on a digital macro, which has no ADC")]
    [InlineData("bit_serial: 2", "bit_serial: 16", "16 input bits per cycle exceed the input's 8")]
    [InlineData("adc_bits: 6", "adc_bit: 6", "unknown key 'adc_bit' in core 'macro' imc (did you mean 'adc_bits'?)")]
    [InlineData("type: analog", "type: optical", "type 'optical'; expected analog or digital")]
    [InlineData("name: buffer", "name: cells", "a memory level is named 'cells'")]
    public void An_inconsistent_imc_description_names_the_file_the_line_and_what_is_wrong(string from, string to, string expected) =>
        Fails(Package.Replace(from, to, StringComparison.Ordinal), expected);

    private static readonly string Aimc = File.ReadAllText(TestData.Shared("data", "zigzag", "hardware", "aimc.yaml"));

    [Theory]
    [InlineData("adc_resolution: 8", "adc_resolution: 0", "adc_resolution: ADC resolution 0; an analog macro needs a positive one")]
    [InlineData("adc_resolution: 8", "adc_resolutoin: 8", "unknown key 'adc_resolutoin' in an IMC operational_array (did you mean 'adc_resolution'?)")]
    [InlineData("input_precision: [8, 8]", "", "lacks 'input_precision'")]
    [InlineData("input_precision: [8, 8]", "input_precision: [8]", "input_precision has 1 entries; expected [activation bits, weight bits]")]
    [InlineData("bit_serial_precision: 2", "bit_serial_precision: 16", "16 input bits per cycle exceed the input's 8")]
    [InlineData("imc_type: analog", "imc_type: digital", "ADC resolution 8 on a digital macro")]
    [InlineData("  cells:\n    size: 8", "  cells:\n    size: 4", "the weight cells 'cells' hold 4 bits per cell group but a weight has 8")]
    public void An_inconsistent_ZigZag_IMC_core_names_the_file_the_line_and_what_is_wrong(string from, string to, string expected)
    {
        var text = Aimc.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Aimc, text);
        Fails(text, expected);
    }

    [Fact]
    public void The_command_line_exits_2_on_an_inconsistent_imc_description()
    {
        var path = CliRunner.TempFile(Package.Replace("rows: 32", "rows: 128", StringComparison.Ordinal));
        var outcome = CliRunner.Run("map", "resnet18", "--core", path);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains($"{Path.GetFileName(path)}:", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("larger than its array", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Error, StringComparison.Ordinal);
    }
}
