using System.Collections.Immutable;
using Tessera.Workloads;
using YamlDotNet.RepresentationModel;

namespace Tessera.Hardware.Yaml;

/// <summary>In-memory-compute cores: the <c>imc:</c> key of a core.</summary>
public static partial class TesseraHardwareYaml
{
    private sealed partial class Parser
    {
        private static readonly string[] ImcKeys =
            ["type", "rows", "columns", "input_bits", "weight_bits", "bit_serial", "adc_bits", "cell_write_energy_pj_per_bit"];

        /// <summary>The name of the weight-cell level an IMC core gets as its innermost level.</summary>
        private const string CellsLevel = "cells";

        /// <summary>
        /// A core's IMC macro: <c>type</c> analog or digital, the macro's <c>columns</c> (outputs) along the array's first
        /// axis and <c>rows</c> (inputs summed per column) along its second, <c>input_bits</c>, <c>weight_bits</c>,
        /// <c>bit_serial</c> input bits per cycle, <c>adc_bits</c> (analog only) and optionally the cells' write energy.
        /// </summary>
        private ImcMacro Imc(YamlNode node, string core, PeArray array)
        {
            var map = r.Mapping(node, "imc");
            var where = $"core '{core}' imc";
            r.KnownKeys(map, where, ImcKeys);
            var typeNode = r.Need(map, "type", where);
            var kind = ImcMacro.KindOf(r.Text(typeNode, "type"))
                ?? throw r.Error(typeNode, $"{where}: type '{r.Text(typeNode, "type")}'; expected analog or digital");
            int Positive(string key, string what) => r.PositiveInt(r.Need(map, key, $"{where} ({what})"), $"{where} {key}");
            int columns = Positive("columns", "the macro's columns, along the array's first axis");
            int rows = Positive("rows", "the macro's rows, along the array's second axis");
            int input = Positive("input_bits", "the input precision");
            int weight = Positive("weight_bits", "the weight precision");
            var serialNode = r.Need(map, "bit_serial", $"{where} (input bits applied per cycle)");
            int serial = r.PositiveInt(serialNode, $"{where} bit_serial");
            if (ImcMacro.SerialProblem(input, serial) is { } serialProblem) throw r.Error(serialNode, $"{where}: bit_serial: {serialProblem}");
            var adcNode = Find(map, "adc_bits");
            int adc = adcNode is null ? 0 : r.Int(adcNode, $"{where} adc_bits", int.MinValue, int.MaxValue);
            if (ImcMacro.AdcProblem(kind, adc) is { } adcProblem) throw r.Error(adcNode ?? typeNode, $"{where}: adc_bits: {adcProblem}");
            if (array.Axes.Length < 2)
                throw r.Error(map, $"{where}: the array has one axis; expected columns along a first axis and rows along a second");
            var circuit = ImcCircuit.From(tech);
            if (Find(map, "cell_write_energy_pj_per_bit") is { } write)
                circuit = circuit with { CellWriteEnergyPerBitPj = r.Positive(write, $"{where} cell_write_energy_pj_per_bit") };
            var macro = new ImcMacro(kind, array.Axes[0].Name, array.Axes[1].Name, columns, rows, input, weight, serial, adc, circuit);
            return macro.Inconsistency(array) is { } what ? throw r.Error(map, $"{where}: {what}") : macro;
        }

        /// <summary>
        /// The levels with the macros' weight cells innermost: one instance per row × column plane of macros, holding their
        /// weights. Computing reads them in place (no port time or energy of their own: the macro's terms cover it);
        /// writing takes a row of each macro, columns × weight bits, per cycle.
        /// </summary>
        private ImmutableArray<MemoryLevel> WithCells(ImcMacro macro, PeArray array, ImmutableArray<MemoryLevel> levels, YamlSequenceNode at)
        {
            if (levels.Any(l => l.Name == CellsLevel))
                throw r.Error(at, $"a memory level is named '{CellsLevel}', the name of the IMC weight cells this core gets; expected another name");
            int Size(string axis) => array.Axes.First(a => a.Name == axis).Size;
            long weights = (long)Size(macro.ColumnAxis) * Size(macro.RowAxis);
            long capacityBits = weights * macro.WeightBits;
            double writeBits = weights / macro.Rows * (double)macro.WeightBits;
            return [new MemoryLevel(CellsLevel, capacityBits, capacityBits, writeBits, 0, macro.Circuit.CellWriteEnergyPerBitPj,
                [OperandRole.Weight], [macro.ColumnAxis, macro.RowAxis]), .. levels];
        }
    }
}
