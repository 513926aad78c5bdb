// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: QEMU's edu PCI device as a real DMA engine
 *
 * edu (QEMU hw/misc/edu.c, PCI 1234:11e8) has a DMA engine that copies
 * between a bus address and a 4 KiB buffer inside the device. The device
 * writes a range of a dma-buf by copying a staging page into its buffer
 * and its buffer out to the dma-buf's DMA address; it reads a range the
 * other way round. Both copies are made by the device, through the DMA
 * addresses of the mapping, and so through the SMMU when QEMU has one.
 *
 * edu truncates every bus address to its "dma_mask" property, 28 bits
 * unless set on the QEMU command line, and the guest cannot read that
 * property: the edu_dma_bits module parameter gives it per device, in
 * PCI address order (the order of QEMU's -device options). The order of
 * addresses, unlike the order of probes, survives a remove and rescan.
 *
 * A mask that dma_set_mask() refuses (28 bits, with no RAM below 256 MiB
 * and no IOMMU) leaves the device registered but flagged
 * DMABUF_IMPORTER_DEV_NO_DMA: it never runs a DMA, and ATTACH fails with
 * ENXIO. Behind an IOMMU every mask works, the IOVAs fitting the mask.
 *
 * A transfer takes about 100 ms of virtual time (QEMU runs it off a
 * timer) whatever its size, so edu moves a few tens of KiB per second.
 *
 * edu cannot abort a transfer: while one runs it ignores its DMA
 * registers. A transfer that does not end in time may still read or write
 * its bus address later, after the caller has been told it failed and has
 * freed the buffer. So a timeout clears bus mastering at once (whatever
 * the engine does then reaches no memory), and the next transfer first
 * waits for the engine to go idle, with bus mastering still off, before
 * turning it on again. An engine that never goes idle fails every
 * transfer with EIO until the device is removed or the module reloaded.
 */
#include <linux/bits.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/dmabuf_importer.h>

#include "importer_backend.h"
#include "importer_device.h"

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8

#define EDU_REG_ID		0x00	/* 0xRRrr00ed: major, minor, 0xed */
#define EDU_REG_LIVENESS	0x04	/* reads back the inverse of a write */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_ID_MAGIC		0xed

#define EDU_DMA_RUN		BIT(0)
#define EDU_DMA_TO_RAM		BIT(1)	/* device buffer to RAM; else RAM to it */

/* The device's internal buffer, in the DMA engine's address space */
#define EDU_DMA_BUF		0x40000
/*
 * The buffer is 4 KiB, but QEMU before 9.0 (Debian 12 has 7.2) stops the
 * whole machine (hw_error) on a transfer that ends at its last byte: its
 * range check is off by one. Half the buffer keeps every transfer clear
 * of that edge and still divides pages evenly.
 */
#define EDU_XFER_MAX		2048

#define EDU_DMA_POLL_US		1000
#define EDU_DMA_TIMEOUT_MS	5000
#define EDU_DMA_TIMEOUT_MAX_MS	60000
/* How long a stopped engine gets to finish its last transfer */
#define EDU_IDLE_TIMEOUT_MS	5000
#define EDU_DEFAULT_DMA_BITS	28

static unsigned int edu_dma_bits[8] = {
	EDU_DEFAULT_DMA_BITS, EDU_DEFAULT_DMA_BITS, EDU_DEFAULT_DMA_BITS,
	EDU_DEFAULT_DMA_BITS, EDU_DEFAULT_DMA_BITS, EDU_DEFAULT_DMA_BITS,
	EDU_DEFAULT_DMA_BITS, EDU_DEFAULT_DMA_BITS,
};

static unsigned int edu_dma_bits_num;
module_param_array(edu_dma_bits, uint, &edu_dma_bits_num, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address width of each edu device in PCI address order, as QEMU's edu dma_mask property has it (default 28, edu's own default)");

static unsigned int edu_dma_timeout_ms = EDU_DMA_TIMEOUT_MS;

static int edu_dma_timeout_set(const char *val, const struct kernel_param *kp)
{
	/* 0 would make readq_poll_timeout() wait forever. */
	return param_set_uint_minmax(val, kp, 1, EDU_DMA_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops edu_dma_timeout_ops = {
	.set = edu_dma_timeout_set,
	.get = param_get_uint,
};

module_param_cb(edu_dma_timeout_ms, &edu_dma_timeout_ops,
		&edu_dma_timeout_ms, 0644);
MODULE_PARM_DESC(edu_dma_timeout_ms,
		 "How long one edu DMA transfer may take before it fails with ETIMEDOUT, 1 to 60000 ms (default 5000)");

/**
 * struct edu_device - one edu PCI function
 * @idev: the importer device
 * @pdev: the PCI device
 * @mmio: BAR 0
 * @staging: a buffer of EDU_XFER_MAX bytes the device copies to and from
 * @staging_dma: its DMA address
 * @stopped: a DMA did not finish in time: bus mastering is off and the
 *	engine may still be busy; the next transfer waits for it first
 * @broken: a stopped engine never went idle; it is not used again
 *
 * @stopped and @broken are protected by &importer_device.lock, as every DMA.
 */
struct edu_device {
	struct importer_device idev;
	struct pci_dev *pdev;
	void __iomem *mmio;
	void *staging;
	dma_addr_t staging_dma;
	bool stopped;
	bool broken;
};

static struct edu_device *to_edu(struct importer_device *idev)
{
	return container_of(idev, struct edu_device, idev);
}

static int edu_wait_idle(struct edu_device *edu, unsigned int timeout_ms)
{
	u64 cmd;

	return readq_poll_timeout(edu->mmio + EDU_REG_DMA_CMD, cmd,
				  !(cmd & EDU_DMA_RUN), EDU_DMA_POLL_US,
				  timeout_ms * USEC_PER_MSEC);
}

/*
 * After a timeout: the engine, bus mastering off, must finish what it was
 * doing before it may reach memory again.
 */
static int edu_restart(struct edu_device *edu)
{
	if (edu_wait_idle(edu, EDU_IDLE_TIMEOUT_MS)) {
		edu->broken = true;
		dev_err(&edu->pdev->dev, "DMA engine still busy %u ms after a timeout; not used again\n",
			EDU_IDLE_TIMEOUT_MS);
		return -EIO;
	}
	pci_set_master(edu->pdev);
	edu->stopped = false;
	return 0;
}

/* One transfer between bus address @ram and the device buffer. */
static int edu_dma(struct edu_device *edu, dma_addr_t ram, size_t len,
		   bool to_ram)
{
	unsigned int timeout_ms = READ_ONCE(edu_dma_timeout_ms);
	int ret;

	if (edu->broken)
		return -EIO;
	if (edu->stopped) {
		ret = edu_restart(edu);
		if (ret)
			return ret;
	}

	writeq(to_ram ? EDU_DMA_BUF : ram, edu->mmio + EDU_REG_DMA_SRC);
	writeq(to_ram ? ram : EDU_DMA_BUF, edu->mmio + EDU_REG_DMA_DST);
	writeq(len, edu->mmio + EDU_REG_DMA_COUNT);
	writeq(EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0),
	       edu->mmio + EDU_REG_DMA_CMD);

	ret = edu_wait_idle(edu, timeout_ms);
	if (ret) {
		/*
		 * The caller may free the buffer as soon as we return, and
		 * edu cannot abort: cut it off the bus until it is idle.
		 */
		pci_clear_master(edu->pdev);
		edu->stopped = true;
		dev_err(&edu->pdev->dev, "DMA of %zu bytes did not finish in %u ms; bus mastering off\n",
			len, timeout_ms);
	}
	return ret;
}

/*
 * edu's engine wrote guest memory itself, where the CPU reads it: to the
 * cache model that is a coherent write, which reaches DRAM too.
 */
static void edu_model_wrote(struct device *dev, dma_addr_t addr, size_t len)
{
	phys_addr_t phys;
	size_t span;

	while (len && !importer_translate(dev, addr, len, &phys, &span)) {
		importer_model_wrote(phys, span);
		addr += span;
		len -= span;
	}
}

static int edu_write(struct importer_device *idev, dma_addr_t addr,
		     const void *src, size_t len)
{
	struct edu_device *edu = to_edu(idev);
	int ret;

	memcpy(edu->staging, src, len);
	/* The staging copy is visible before the device is started. */
	wmb();
	ret = edu_dma(edu, edu->staging_dma, len, false);
	if (!ret)
		ret = edu_dma(edu, addr, len, true);
	if (!ret)
		edu_model_wrote(idev->dev, addr, len);
	return ret;
}

static int edu_read(struct importer_device *idev, dma_addr_t addr, void *dst,
		    size_t len)
{
	struct edu_device *edu = to_edu(idev);
	int ret;

	ret = edu_dma(edu, addr, len, false);
	if (!ret)
		ret = edu_dma(edu, edu->staging_dma, len, true);
	if (ret)
		return ret;
	/* The device's writes are read after it reported completion. */
	rmb();
	memcpy(dst, edu->staging, len);
	return 0;
}

static void edu_release(struct importer_device *idev)
{
	kfree(to_edu(idev));
}

static const struct importer_device_ops edu_ops = {
	.write = edu_write,
	.read = edu_read,
	.release = edu_release,
};

static int edu_check_alive(struct edu_device *edu)
{
	u32 id = readl(edu->mmio + EDU_REG_ID);
	u32 probe = 0x5a5aa5a5;

	if ((id & 0xff) != EDU_ID_MAGIC) {
		dev_err(&edu->pdev->dev, "unexpected id register %#010x\n", id);
		return -ENODEV;
	}
	writel(probe, edu->mmio + EDU_REG_LIVENESS);
	if (readl(edu->mmio + EDU_REG_LIVENESS) != ~probe) {
		dev_err(&edu->pdev->dev, "liveness check failed\n");
		return -EIO;
	}
	return 0;
}

static u64 edu_address(struct pci_dev *pdev)
{
	return (u64)pci_domain_nr(pdev->bus) << 16 |
	       pdev->bus->number << 8 | pdev->devfn;
}

/* How many edu devices have a lower PCI address than @pdev */
static unsigned int edu_rank(struct pci_dev *pdev)
{
	struct pci_dev *other = NULL;
	unsigned int rank = 0;

	while ((other = pci_get_device(EDU_VENDOR_ID, EDU_DEVICE_ID, other)))
		if (edu_address(other) < edu_address(pdev))
			rank++;
	return rank;
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	unsigned int nr = edu_rank(pdev);
	unsigned int bits = EDU_DEFAULT_DMA_BITS;
	struct edu_device *edu;
	int ret;

	if (nr < ARRAY_SIZE(edu_dma_bits))
		bits = edu_dma_bits[nr];
	if (bits < 12 || bits > 64)
		return dev_err_probe(&pdev->dev, -EINVAL,
				     "edu_dma_bits=%u: not between 12 and 64\n",
				     bits);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	importer_device_init(&edu->idev, &pdev->dev, &edu_ops);
	edu->idev.role = DMABUF_IMPORTER_ROLE_EDU;
	edu->idev.flags = DMABUF_IMPORTER_DEV_HW_DMA;
	edu->idev.dma_bits = bits;
	edu->idev.max_xfer = EDU_XFER_MAX;
	edu->pdev = pdev;

	edu->mmio = pcim_iomap_region(pdev, 0, KBUILD_MODNAME);
	if (IS_ERR(edu->mmio)) {
		ret = PTR_ERR(edu->mmio);
		goto put;
	}
	ret = edu_check_alive(edu);
	if (ret)
		goto put;

	if (dev_is_dma_coherent(&pdev->dev))
		edu->idev.flags |= DMABUF_IMPORTER_DEV_COHERENT;
	/* Segment limits would only make the mainline heaps trip DMA-API debug. */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);

	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits))) {
		/* Not a driver error: this board cannot serve this device. */
		dev_notice(&pdev->dev, "a %u-bit DMA mask reaches no memory here; no DMA\n",
			   bits);
		edu->idev.flags |= DMABUF_IMPORTER_DEV_NO_DMA;
	} else {
		edu->staging = dma_alloc_coherent(&pdev->dev, EDU_XFER_MAX,
						  &edu->staging_dma, GFP_KERNEL);
		if (!edu->staging) {
			ret = -ENOMEM;
			goto put;
		}
		/*
		 * A transfer that timed out before a remove may still be
		 * running: let it end before the device reaches memory.
		 */
		if (edu_wait_idle(edu, EDU_IDLE_TIMEOUT_MS)) {
			dev_err(&pdev->dev, "DMA engine busy at probe; not used\n");
			edu->broken = true;
		} else {
			pci_set_master(pdev);
		}
	}

	ret = importer_device_register(&edu->idev);
	if (ret)
		goto free_staging;
	pci_set_drvdata(pdev, edu);
	return 0;

free_staging:
	if (edu->staging) {
		pci_clear_master(pdev);
		dma_free_coherent(&pdev->dev, EDU_XFER_MAX, edu->staging,
				  edu->staging_dma);
	}
put:
	importer_device_put(&edu->idev);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu_device *edu = pci_get_drvdata(pdev);

	/* Revokes every attachment: no DMA is started after this. */
	importer_device_unregister(&edu->idev);
	if (edu->staging) {
		pci_clear_master(pdev);
		dma_free_coherent(&pdev->dev, EDU_XFER_MAX, edu->staging,
				  edu->staging_dma);
	}
	importer_device_put(&edu->idev);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR_ID, EDU_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "dmabuf_importer_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
	.driver = {
		/* Unbinding is the module's business (rmmod), not sysfs'. */
		.suppress_bind_attrs = true,
	},
};

/**
 * importer_edu_register() - register the edu PCI driver
 *
 * Return: 0 or a pci_register_driver() error.
 */
int importer_edu_register(void)
{
	return pci_register_driver(&edu_driver);
}

/**
 * importer_edu_unregister() - unbind and unregister the edu PCI driver
 */
void importer_edu_unregister(void)
{
	pci_unregister_driver(&edu_driver);
}
