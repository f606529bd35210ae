"""Entry point of the order-email component package: serve the components to the Pulumi engine.

Pulumi's Python language host runs this file as `python <this folder> <engine address>` (see
PulumiPlugin.yaml) whenever a TypeScript, Go, C# or YAML program uses an `order-email:index:*`
resource, and when `pulumi package add` asks for the schema to generate that program's SDK.
The component provider host builds the schema from the components' annotations, prints the port it
listens on and serves until the engine stops it.
"""

from pulumi.provider.experimental import component_provider_host

from order_email import __version__
from order_email.components.package import COMPONENTS, PACKAGE_NAME

if __name__ == "__main__":
    component_provider_host(components=list(COMPONENTS), name=PACKAGE_NAME, version=__version__)
