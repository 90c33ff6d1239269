namespace Tessera.Technology;

/// <summary>The cited constants every default is drawn from (see technology.yaml).</summary>
public sealed class TechnologyLibrary
{
    public static TechnologyLibrary LoadDefault() => throw new NotImplementedException();
}
