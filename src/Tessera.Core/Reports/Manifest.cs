using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Tessera.Diagnostics;
using Tessera.Technology;

namespace Tessera.Reports;

/// <summary>An input file of a run and the SHA-256 of its bytes.</summary>
public sealed record ManifestInput(string Path, string Sha256);

/// <summary>
/// Where a result came from, so that two results can be told apart and one reproduced from its file alone: Tessera's
/// version and commit, the command line, every input file with its hash (and the technology library's), the cost
/// model's identity, the seed, the date and the machine.
/// </summary>
public sealed record Manifest(string Tool, string Version, string? Commit, ImmutableArray<string> CommandLine,
    ImmutableArray<ManifestInput> Inputs, string TechnologySha256, string? CostModel, int? Seed, string DateUtc, string Machine)
{
    /// <summary>A manifest for a run given these arguments, reading these input files (missing ones are left out).</summary>
    public static Manifest Create(IEnumerable<string> commandLine, IEnumerable<string> inputs, string? costModelIdentity = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(inputs);
        var informational = typeof(Manifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var files = inputs.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Where(File.Exists)
            .Select(p => new ManifestInput(p, Sha256Hex(File.ReadAllBytes(p))));
        return new Manifest("tessera", plus < 0 ? informational : informational[..plus], plus < 0 ? null : informational[(plus + 1)..],
            [.. commandLine], [.. files], DefaultTechnologySha256, costModelIdentity, seed,
            DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            $"{RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}");
    }

    /// <summary>The inputs whose bytes differ from this manifest's (or are gone), by path.</summary>
    public ImmutableArray<string> ChangedInputs() =>
        [.. Inputs.Where(i => !File.Exists(i.Path) || Sha256Hex(File.ReadAllBytes(i.Path)) != i.Sha256).Select(i => i.Path)];

    /// <summary>The SHA-256 of the built-in technology library's text, hashed once per process.</summary>
    public static string DefaultTechnologySha256 { get; } = Sha256Hex(System.Text.Encoding.UTF8.GetBytes(TechnologyLibrary.DefaultText));

    /// <summary>The SHA-256 of some bytes as lower-case hex: the one hash of manifests, point ids and sweep ids.</summary>
    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The SHA-256 of an input file, read only when it is a regular file within the input limits.</summary>
    public static string FileSha256(string path) => Sha256Hex(InputFiles.ReadAllBytes(path, "input file", Limits.Current.OnnxBytes));
}

/// <summary>The manifest's JSON as the store keeps it (camel case), generated at build time: no reflection on first use.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Manifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
