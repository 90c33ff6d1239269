using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Tessera.Tests.Cli;

/// <summary>
/// The dotnet tool package: packed from the repository as a platform's package (and the small package naming it),
/// installed into a temporary tool path and run from a folder outside it, where the experiments must find the data
/// bundled with the tool.
/// </summary>
public sealed class ToolPackageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    /// <summary>The package version: the version of the tool's assembly the tests reference (Directory.Build.props).</summary>
    private static string Version => typeof(Tessera.Cli.TesseraCli).Assembly.GetName().Version!.ToString(3);

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tessera.slnx"))) return dir.FullName;
        throw new InvalidOperationException("no Tessera.slnx above the test binaries");
    }

    private static (int Code, string Out, string Error) Execute(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        // The installed tool must not find the repository's shared folder through the environment.
        start.Environment.Remove("TESSERA_SHARED");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Patience))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took over {Patience}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_packed_tool_installs_and_runs_outside_the_repository_with_its_data()
    {
        var temp = Directory.CreateTempSubdirectory("tessera-tool-");
        var (packages, tools, outside) = (Path.Combine(temp.FullName, "packages"), Path.Combine(temp.FullName, "tools"), Directory.CreateDirectory(Path.Combine(temp.FullName, "work")).FullName);
        // This platform's package only: packing all five takes minutes and fetches the other platforms' app hosts.
        var rid = $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
        var pack = Execute("dotnet", Repository(), "pack", "src/Tessera.Cli", "-o", packages, $"-p:RuntimeIdentifiers={rid}", "--disable-build-servers", "-nologo");
        Assert.True(pack.Code == 0, pack.Out + pack.Error);
        var written = Directory.GetFiles(packages, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var platformPackage = $"tessera.{rid}.{Version}.nupkg";
        Assert.Equal([$"tessera.{Version}.nupkg", platformPackage], written);
        // The platform's package holds its own native files only, flat beside the tool: no runtimes/ tree for others.
        using (var zip = ZipFile.OpenRead(Path.Combine(packages, platformPackage)))
        {
            Assert.DoesNotContain(zip.Entries, e => e.FullName.Contains("/runtimes/", StringComparison.Ordinal));
            Assert.Contains(zip.Entries, e => e.FullName == $"tools/net10.0/{rid}/shared/data/README.md");
        }
        var install = Execute("dotnet", outside, "tool", "install", "--tool-path", tools, "--add-source", packages, "tessera");
        Assert.True(install.Code == 0, install.Out + install.Error);
        var tessera = Path.Combine(tools, OperatingSystem.IsWindows() ? "tessera.exe" : "tessera");

        string[] run = ["run", "--workload", "resnet18", "--hardware", "scar-2x2-het", "--json", "--progress", "none"];
        var installed = Execute(tessera, outside, run);
        Assert.True(installed.Code == 0, installed.Error);
        var inRepository = CliRunner.Run(run);
        Assert.Equal(inRepository.Json.GetProperty("latencySeconds").GetDouble(),
            JsonDocument.Parse(installed.Out).RootElement.GetProperty("latencySeconds").GetDouble());

        // The experiment reads Stream's files: found next to the installed tool, not in the repository.
        var experiment = Execute(tessera, outside, "experiment", "stream-fusion", "--reduced", "--json", "--progress", "none");
        Assert.True(experiment.Code == 0, experiment.Error);
        var inputs = JsonDocument.Parse(experiment.Out).RootElement.GetProperty("manifest").GetProperty("inputs").EnumerateArray()
            .Select(i => i.GetProperty("path").GetString()!).ToList();
        Assert.NotEmpty(inputs);
        Assert.All(inputs, p => Assert.StartsWith(Path.GetFullPath(tools), p, StringComparison.Ordinal));
        temp.Delete(recursive: true);
    }
}
