using System.CommandLine;
using Spectre.Console;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Interop;
using Tessera.Reports;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera hardware [NAME|FILE]`: list the presets, or show one package's chiplets, cores, memories and links.</summary>
internal static class HardwareCommand
{
    public static Command Create(CliContext context)
    {
        var target = new Argument<string?>("hardware") { Arity = ArgumentArity.ZeroOrOne, Description = "A preset name or a hardware YAML file (Tessera's or Stream's)" };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables" };
        var command = new Command("hardware", "List hardware presets, or describe one package") { target, json };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(target);
            if (name is null)
            {
                var presets = new { Packages = HardwarePresets.PackageNames, Cores = HardwarePresets.CoreNames, Systems = SystemPresets.Names };
                if (parse.GetValue(json)) JsonOutput.Write(context.Out, presets);
                else
                {
                    context.Console.MarkupLine($"[bold]packages:[/] {string.Join(", ", presets.Packages)}");
                    context.Console.MarkupLine($"[bold]cores[/] (each also a one-chiplet package): {string.Join(", ", presets.Cores)}");
                    context.Console.MarkupLine($"[bold]systems[/] (several packages, flattened): {string.Join(", ", presets.Systems)}");
                }
                return 0;
            }
            var package = HardwareLoader.Load(name, TechnologyLibrary.LoadDefault());
            var summary = Describe(package);
            if (parse.GetValue(json)) JsonOutput.WriteResult(context, summary);
            else Print(context.Console, package);
            return 0;
        });
        return command;
    }

    private static object Describe(Package package) => new
    {
        package.Name,
        Chiplets = package.Chiplets.Select(c => new
        {
            c.Id, Design = c.Design.Name, c.X, c.Y, c.Design.TechnologyNode,
            Cores = c.Design.Cores.Select(k => new
            {
                k.Name, ProcessingElements = k.Array.ProcessingElements, k.Array.MacBits, k.Array.MacEnergyPj, k.FrequencyHz,
                Dataflow = k.Dataflow.Name,
                Imc = k.Array.Imc is { } m
                    ? new { m.Kind, m.Columns, m.Rows, Macros = m.Macros(k.Array), m.InputBits, m.WeightBits, m.BitSerialBits, m.AdcBits, m.ClockPeriodNs }
                    : null,
                Fixed = k.Fixed is { } f ? new { f.Name, Directives = f.Directives?.ToString(), Temporal = f.Temporal?.ToString() } : null,
                Unrolling = k.Dataflow.Axes.Select(a => $"{a.Axis}: {string.Join(" ", a.Factors.Select(f => $"{f.Dimension} {f.Factor}"))}"),
                Memories = k.Memories.Select(m => new { m.Name, m.CapacityBits, m.ReadBitsPerCycle, m.WriteBitsPerCycle, m.ReadEnergyPerBitPj, m.WriteEnergyPerBitPj, m.Holds }),
            }),
        }),
        package.Memories,
        package.Links,
    };

    private static void Print(IAnsiConsole console, Package package)
    {
        console.MarkupLine($"[bold]{Markup.Escape(package.Name)}[/]: {package.Chiplets.Length} chiplets, {package.Memories.Length} memory devices, {package.Links.Length} links");
        var cores = new Table().AddColumns("design", "instances", "core", "PEs", "bits", "MAC pJ", "clock", "dataflow", "memories (innermost first)");
        foreach (var design in package.Chiplets.GroupBy(c => c.Design))
            foreach (var core in design.Key.Cores)
                cores.AddRow(Markup.Escape(design.Key.Name), Markup.Escape(string.Join(" ", design.Select(c => c.Id))), Markup.Escape(core.Name),
                    core.Array.ProcessingElements.ToString(), core.Array.MacBits.ToString(),
                    core.Array.Imc is { } imc ? $"{imc.Kind.ToString().ToLowerInvariant()} IMC, {imc.Macros(core.Array)} × {imc.Columns}×{imc.Rows}" : $"{core.Array.MacEnergyPj:0.####}",
                    NumberFormat.Si(core.FrequencyHz, "Hz"), Markup.Escape(core.Fixed is { } f ? $"{core.Dataflow.Name}, fixed {f.Name}" : core.Dataflow.Name),
                    Markup.Escape(string.Join(", ", core.Memories.Select(m => $"{m.Name} {NumberFormat.Bytes(m.CapacityBits / 8.0)}"))));
        console.Write(cores);
        var memories = new Table().AddColumns("memory", "type", "bandwidth", "pJ/bit", "latency", "capacity");
        foreach (var m in package.Memories)
            memories.AddRow(Markup.Escape(m.Id), Markup.Escape(m.Type), $"{m.BandwidthBytesPerSecond / 1e9:0.#} GB/s", $"{m.EnergyPerBitPj:0.###}",
                NumberFormat.Si(m.LatencySeconds, "s"), NumberFormat.Bytes(m.CapacityBytes));
        console.Write(memories);
        var links = new Table().AddColumns("link", "bandwidth", "pJ/bit", "latency");
        foreach (var l in package.Links)
            links.AddRow(Markup.Escape($"{l.From} – {l.To}"), $"{l.BandwidthBytesPerSecond / 1e9:0.#} GB/s", $"{l.EnergyPerBitPj:0.###}", NumberFormat.Si(l.LatencySeconds, "s"));
        console.Write(links);
    }
}
