using System.Text.RegularExpressions;
using Tessera.Interop;
using Tessera.Technology;

namespace Tessera.Tests.Architecture;

/// <summary>docs/library.md's example compiles (it is in this assembly), gives a physical result, and is quoted exactly.</summary>
public sealed partial class LibraryExampleTests
{
    [Fact]
    public void The_library_example_simulates_every_mac_no_faster_than_the_packages_peak()
    {
        var result = LibraryExample.Run(TestData.Shared("data", "onnx", "2_conv.onnx"));
        var model = Assert.Single(result.Models);
        Assert.True(model.Macs > 0);
        Assert.Equal(model.Macs, result.Placements.Sum(p => p.Macs));
        // No schedule beats every core computing at its peak all the time.
        var package = HardwareLoader.Load("scar-2x2-het", TechnologyLibrary.LoadDefault());
        double peak = package.Chiplets.SelectMany(c => c.Design.Cores).Sum(c => c.PeakMacsPerCycle * c.FrequencyHz);
        Assert.True(result.LatencySeconds >= model.Macs / peak, $"{result.LatencySeconds} s < {model.Macs / peak} s");
        Assert.Equal(result.Energy.TotalJ, result.Energy.ComputeJ + result.Energy.OnChipMemoryJ + result.Energy.OffChipMemoryJ +
            result.Energy.InterconnectJ + result.Energy.StaticJ, 1e-12);
    }

    [Fact]
    public void Docs_library_quotes_the_example_exactly()
    {
        var doc = File.ReadAllText(TestData.Repository("docs", "library.md"));
        var source = File.ReadAllText(TestData.Repository("tests", "Tessera.Tests", "Architecture", "LibraryExample.cs"));
        var example = Regex.Match(source, "// example: library\\n(.*?)// end", RegexOptions.Singleline).Groups[1].Value;
        var quoted = Regex.Match(doc, "```csharp\\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.Equal(Whitespace().Replace(example, " ").Trim(), Whitespace().Replace(quoted, " ").Trim());
    }

    [GeneratedRegex("\\s+")]
    private static partial Regex Whitespace();
}
