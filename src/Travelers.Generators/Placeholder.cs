namespace Travelers.Generators;

internal static class Placeholder
{
}
