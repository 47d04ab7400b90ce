/**
 * A password that was the stack's own child and now sits in a component, with the alias naming its
 * old place or without (setting `aliased`): lets tests/urns.test.ts show that its check sees both.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

class Holder extends pulumi.ComponentResource {
    constructor(name: string, aliased: boolean) {
        super("wso2sp:test:Holder", name);
        new random.RandomPassword("kept", { length: 8 }, { parent: this, aliases: aliased ? [{ parent: pulumi.rootStackResource }] : [] });
        new random.RandomPassword("renamed", { length: 8 }, { parent: this, aliases: aliased ? [{ name: "old-name", parent: pulumi.rootStackResource }] : [] });
        this.registerOutputs({});
    }
}

new Holder("holder", new pulumi.Config().requireBoolean("aliased"));
